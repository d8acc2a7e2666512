import { describe, expect, it } from '@jest/globals';
import { encoderNote, encoderStep, sinkErrorSentence, sinkErrorStopsBroadcast, warnsBeforeLeaving } from './studio.encoder';

describe('encoderNote', () => {
  it('says which ffmpeg encodes the broadcast, or that going live will fail', () => {
    expect(encoderNote({ status: 'available', source: 'packaged', version: 'N-47683' })).toBe(
      'Encoder: the ffmpeg N-47683 packaged with StreamCat (no ffmpeg is installed on the server).',
    );
    expect(encoderNote({ status: 'available', source: 'path', version: '5.1.9' })).toBe('Encoder: ffmpeg 5.1.9, installed on the server.');
    expect(encoderNote({ status: 'available', source: 'configured', version: '6.1' })).toBe('Encoder: ffmpeg 6.1 (FFMPEG_PATH).');
    expect(encoderNote({ status: 'missing', message: 'not on the PATH' })).toMatch(/^Going live will fail/);
    expect(encoderNote(undefined)).toBeNull();
  });
});

describe('encoderStep', () => {
  const owner = { sender: true };
  it('the owner starts sending when the switch says starting, and stops when it says stopping or offline', () => {
    expect(encoderStep({ ...owner, state: 'starting', encoder: false })).toBe('start');
    expect(encoderStep({ ...owner, state: 'stopping', encoder: true })).toBe('stop');
    expect(encoderStep({ ...owner, state: 'offline', encoder: true })).toBe('stop');
    expect(encoderStep({ ...owner, state: 'live', encoder: true })).toBe('none');
  });

  it('a page that finds the show live without an encoder of its own (reloaded mid-show) resumes it', () => {
    expect(encoderStep({ ...owner, state: 'live', encoder: false })).toBe('resume');
  });

  it('the owner sends nothing while the cloud programme carries the show, and resumes once its composition stopped', () => {
    // Lets go without ending the stream, so the composition's feed carries the same one on.
    expect(encoderStep({ ...owner, state: 'live', encoder: true, cloud: true })).toBe('release');
    expect(encoderStep({ ...owner, state: 'stopping', encoder: true, cloud: true })).toBe('stop');
    expect(encoderStep({ ...owner, state: 'live', encoder: false, cloud: true })).toBe('none');
    expect(encoderStep({ ...owner, state: 'starting', encoder: false, cloud: true })).toBe('none');
    expect(encoderStep({ ...owner, state: 'live', encoder: false, cloud: false })).toBe('resume');
  });

  it('pages that may not send never start, nor does anyone before the studio is known', () => {
    expect(encoderStep({ sender: false, state: 'live', encoder: false })).toBe('none');
    expect(encoderStep({ sender: false, state: 'starting', encoder: false })).toBe('none');
    expect(encoderStep({ ...owner, state: undefined, encoder: false })).toBe('none');
    expect(encoderStep({ ...owner, state: 'offline', encoder: false })).toBe('none');
  });
});

describe('warnsBeforeLeaving', () => {
  it('asks only while this page sends a show that is starting or live', () => {
    expect(warnsBeforeLeaving({ encoder: true, state: 'live' })).toBe(true);
    expect(warnsBeforeLeaving({ encoder: true, state: 'starting' })).toBe(true);
    expect(warnsBeforeLeaving({ encoder: true, state: 'stopping' })).toBe(false);
    // Another member's page, or the owner's that is not sending: leaving interrupts nothing.
    expect(warnsBeforeLeaving({ encoder: false, state: 'live' })).toBe(false);
    expect(warnsBeforeLeaving({ encoder: false, state: undefined })).toBe(false);
  });
});

describe('sink errors', () => {
  it('another encoder carrying the stream does not end the show from this page', () => {
    expect(sinkErrorStopsBroadcast('TAKEOVER')).toBe(false);
    expect(sinkErrorStopsBroadcast('SOURCE_CONNECTED')).toBe(false);
    expect(sinkErrorStopsBroadcast('NOTHING_TO_RESUME')).toBe(true);
    expect(sinkErrorStopsBroadcast('CONNECTION_LOST')).toBe(true);
    expect(sinkErrorStopsBroadcast(undefined)).toBe(true);
  });

  it('reads as a sentence, else the sink’s own message, else a default', () => {
    expect(sinkErrorSentence({ code: 'SOURCE_CONNECTED', message: 'x' })).toMatch(/^Another window or device is sending/);
    expect(sinkErrorSentence({ code: 'SOMETHING_NEW', message: 'The SDK said no.' })).toBe('The SDK said no.');
    expect(sinkErrorSentence({})).toBe('The broadcast could not start.');
    // Said after the sink's reconnect tries ran out, not at the first drop.
    expect(sinkErrorSentence({ code: 'CONNECTION_LOST' })).toMatch(/could not be made again/);
  });
});
