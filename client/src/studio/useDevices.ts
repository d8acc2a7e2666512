import { onBeforeUnmount, ref, shallowRef } from 'vue';

const STORAGE_KEY = 'streamcat.devices';

export interface DeviceChoice {
  cameraId: string | null;
  micId: string | null;
}

export function readDeviceChoice(storage: Pick<Storage, 'getItem'> | null): DeviceChoice {
  try {
    const parsed = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as Partial<DeviceChoice> | null;
    return {
      cameraId: typeof parsed?.cameraId === 'string' ? parsed.cameraId : null,
      micId: typeof parsed?.micId === 'string' ? parsed.micId : null,
    };
  } catch {
    return { cameraId: null, micId: null };
  }
}

/** getUserMedia failures as sentences a person can act on. */
export function mediaErrorSentence(e: unknown): string {
  const name = (e as { name?: string })?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone access was denied. Allow it in your browser’s site settings, then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. Plug one in, or pick another device.';
    case 'NotReadableError':
      return 'Your camera or microphone is in use by another app. Close it and try again.';
    default:
      return 'Your camera and microphone could not be started. Check your devices and try again.';
  }
}

/**
 * The local camera and microphone: device lists, the remembered choice (localStorage), one
 * live MediaStream for preview and publishing, mute / stop-camera, and screen share.
 */
export function useDevices() {
  const storage = typeof localStorage === 'undefined' ? null : localStorage;
  const choice = ref<DeviceChoice>(readDeviceChoice(storage));
  const cameras = ref<MediaDeviceInfo[]>([]);
  const mics = ref<MediaDeviceInfo[]>([]);
  const stream = shallowRef<MediaStream | null>(null);
  const screen = shallowRef<MediaStream | null>(null);
  const error = ref<string | null>(null);
  const starting = ref(false);
  const micMuted = ref(false);
  const cameraOff = ref(false);

  async function refreshDevices(): Promise<void> {
    const all = await navigator.mediaDevices.enumerateDevices();
    cameras.value = all.filter((d) => d.kind === 'videoinput');
    mics.value = all.filter((d) => d.kind === 'audioinput');
  }

  async function start(): Promise<void> {
    starting.value = true;
    error.value = null;
    try {
      const next = await navigator.mediaDevices.getUserMedia({
        // Full size for the preview and for a featured / solo tile; what is published is scaled
        // down from this per layout (useStageSession). 30 fps like the programme: a 60 fps
        // webcam would only double the frames converted and encoded.
        video: {
          ...(choice.value.cameraId ? { deviceId: { ideal: choice.value.cameraId } } : {}),
          width: { ideal: 1280 },
          height: { ideal: 720 },
          frameRate: { ideal: 30 },
        },
        audio: {
          ...(choice.value.micId ? { deviceId: { ideal: choice.value.micId } } : {}),
          echoCancellation: true,
          noiseSuppression: true,
        },
      });
      stream.value?.getTracks().forEach((t) => t.stop());
      next.getAudioTracks().forEach((t) => (t.enabled = !micMuted.value));
      next.getVideoTracks().forEach((t) => (t.enabled = !cameraOff.value));
      stream.value = next;
      await refreshDevices();
    } catch (e) {
      error.value = mediaErrorSentence(e);
    } finally {
      starting.value = false;
    }
  }

  function choose(next: Partial<DeviceChoice>): void {
    choice.value = { ...choice.value, ...next };
    storage?.setItem(STORAGE_KEY, JSON.stringify(choice.value));
    void start();
  }

  function setMicMuted(muted: boolean): void {
    micMuted.value = muted;
    stream.value?.getAudioTracks().forEach((t) => (t.enabled = !muted));
  }

  function setCameraOff(off: boolean): void {
    cameraOff.value = off;
    stream.value?.getVideoTracks().forEach((t) => (t.enabled = !off));
  }

  async function startScreenShare(): Promise<void> {
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false });
      s.getVideoTracks()[0]?.addEventListener('ended', () => stopScreenShare());
      screen.value = s;
    } catch (e) {
      if ((e as { name?: string })?.name !== 'NotAllowedError') error.value = 'Screen sharing could not start in this browser.';
    }
  }

  function stopScreenShare(): void {
    screen.value?.getTracks().forEach((t) => t.stop());
    screen.value = null;
  }

  function stop(): void {
    stream.value?.getTracks().forEach((t) => t.stop());
    stream.value = null;
    stopScreenShare();
  }

  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener?.('devicechange', onDeviceChange);
  onBeforeUnmount(() => {
    navigator.mediaDevices?.removeEventListener?.('devicechange', onDeviceChange);
    stop();
  });

  return {
    choice,
    cameras,
    mics,
    stream,
    screen,
    error,
    starting,
    micMuted,
    cameraOff,
    start,
    choose,
    setMicMuted,
    setCameraOff,
    startScreenShare,
    stopScreenShare,
    stop,
  };
}
