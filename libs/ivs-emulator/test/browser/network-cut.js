// Loaded before a harness page's own scripts (stage-reconnect.e2e-spec): `window.__cut(true)` cuts
// the page off as a dropped network does — the stage socket's frames stop both ways while the
// socket stays open, and every peer connection is closed — without telling the stage code.
// `__cut(false)` lets frames through again. Plain JS: the server-side type check has no DOM lib.
(() => {
  const peers = [];
  const NativePeer = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeer {
    constructor(config) {
      super(config);
      peers.push(this);
    }
  };
  let cut = false;
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    #handler = null;
    constructor(url, protocols) {
      super(url, protocols);
      super.onmessage = (e) => {
        if (!cut) this.#handler?.(e);
      };
    }
    set onmessage(h) {
      this.#handler = h;
    }
    get onmessage() {
      return this.#handler;
    }
    send(data) {
      if (!cut) super.send(data);
    }
  };
  window.__cut = (on) => {
    cut = on;
    if (on) for (const pc of peers) pc.close();
  };
})();
