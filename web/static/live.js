// Custodian live player: plays the framed fragmented-MP4 stream of /media/live/... through
// Media Source Extensions (docs/design/live.md). No inline scripts, no dependencies.
//
// The stream is a sequence of messages: a kind byte, a 4-byte big-endian length, the
// payload. 'i' is an init (1 byte n, n bytes of codec, the init segment), 'f' a fragment,
// 's' a status in JSON. Each 'i' starts a new timeline: the player starts over with a new
// MediaSource. The player keeps to the live edge: it jumps ahead when it falls more than
// MAX_BEHIND seconds behind or stalls at a gap, and drops what it has played.
(function () {
  'use strict';
  var MAX_BEHIND = 2.5; // seconds behind the newest frame before jumping ahead
  var KEEP = 10; // seconds of played video kept in the buffer
  var MAX_QUEUE = 400; // fragments waiting for the SourceBuffer before starting over
  var td = new TextDecoder();

  function korean() { return (document.documentElement.lang || 'ko') !== 'en'; }
  function pick(ko, en) { return korean() ? ko : en; }

  function concat(a, b) {
    if (!a.length) return b;
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function play(video, url, opts) {
    opts = opts || {};
    var say = opts.onStatus || function () {};
    var state = function (s) { video.setAttribute('data-live-state', s); };
    if (!window.MediaSource) {
      say(pick('이 브라우저는 Media Source Extensions를 지원하지 않아 실시간 영상을 볼 수 없습니다',
        'this browser lacks Media Source Extensions: live view cannot play'));
      state('unsupported');
      return { stop: function () {} };
    }
    var stopped = false, ctrl = null, ms = null, sb = null, queue = [], started = false;
    var backoff = 1000, timer = null;

    function reset(codec, init) {
      var mime = 'video/mp4; codecs="' + codec + '"';
      if (!MediaSource.isTypeSupported(mime)) {
        say(pick('이 브라우저에서 재생할 수 없는 코덱입니다: ', 'this browser cannot play the codec ') + codec);
        state('unsupported');
        stop();
        return;
      }
      sb = null;
      started = false;
      queue = [init];
      var m = new MediaSource();
      ms = m;
      var src = URL.createObjectURL(m);
      m.addEventListener('sourceopen', function () {
        URL.revokeObjectURL(src);
        if (ms !== m) return;
        try {
          sb = m.addSourceBuffer(mime);
        } catch (e) {
          say(pick('재생기를 준비하지 못했습니다: ', 'cannot prepare the player: ') + e.message);
          return;
        }
        sb.mode = 'segments';
        sb.addEventListener('updateend', pump);
        pump();
      });
      video.src = src;
    }

    // pump appends the next fragment, trims what was played, and keeps to the live edge.
    function pump() {
      if (!sb || sb.updating || ms.readyState !== 'open') return;
      var b = video.buffered;
      if (b.length) {
        var last = b.length - 1, end = b.end(last);
        if (!started) {
          started = true;
          video.currentTime = b.start(last);
          var p = video.play();
          if (p && p.catch) p.catch(function () {});
        } else if (end - video.currentTime > MAX_BEHIND) {
          video.currentTime = Math.max(b.start(last), end - 0.5);
        }
        if (video.currentTime - b.start(0) > KEEP + 5) {
          sb.remove(0, video.currentTime - KEEP);
          return; // updateend calls pump again
        }
      }
      if (queue.length) {
        try {
          sb.appendBuffer(queue.shift());
        } catch (e) {
          if (e.name === 'QuotaExceededError' && b.length) {
            sb.remove(0, Math.max(b.start(0) + 1, video.currentTime - 1));
          } else {
            say(pick('영상을 붙이지 못했습니다: ', 'cannot append the video: ') + e.message);
          }
        }
      }
    }

    // A stall at a gap (frames lost to a slow connection): go to the next range.
    function watchdog() {
      if (stopped || !started || !video.buffered.length) return;
      var b = video.buffered, t = video.currentTime;
      for (var i = 0; i < b.length; i++) {
        if (t < b.start(i)) { video.currentTime = b.start(i); return; }
        if (t <= b.end(i)) return;
      }
    }
    var dog = setInterval(watchdog, 1000);

    function handle(kind, p) {
      if (kind === 105) { // 'i'
        var n = p[0];
        reset(td.decode(p.subarray(1, 1 + n)), p.slice(1 + n));
      } else if (kind === 102) { // 'f'
        if (!ms) return;
        queue.push(p.slice());
        if (queue.length > MAX_QUEUE) {
          // The browser cannot keep up: start over (a new stream begins with an init
          // and a keyframe).
          queue = [];
          ms = null;
          if (ctrl) ctrl.abort();
          timer = setTimeout(connect, 0);
          return;
        }
        pump();
      } else if (kind === 115) { // 's'
        try {
          var j = JSON.parse(td.decode(p));
          say(korean() ? j.ko : j.en);
          state(j.state);
        } catch (e) { /* a status that is not JSON is ignored */ }
      }
    }

    function retry() {
      if (stopped) return;
      state('reconnecting');
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    }

    function connect() {
      if (stopped) return;
      ctrl = new AbortController();
      fetch(url, { credentials: 'same-origin', cache: 'no-store', signal: ctrl.signal }).then(function (res) {
        if (!res.ok) {
          return res.json().then(function (j) {
            say((j && j.error && j.error.message) || String(res.status));
          }, function () { say(String(res.status)); }).then(function () {
            // A refusal (ticket expired, rights withdrawn) is final; a server error is not.
            if (res.status >= 500 || res.status === 429) retry();
            else { state('refused'); stop(); }
          });
        }
        backoff = 1000;
        var reader = res.body.getReader(), buf = new Uint8Array(0);
        var read = function () {
          return reader.read().then(function (r) {
            if (r.done) { retry(); return; }
            buf = concat(buf, r.value);
            var off = 0;
            while (buf.length - off >= 5) {
              var n = ((buf[off + 1] << 24) | (buf[off + 2] << 16) | (buf[off + 3] << 8) | buf[off + 4]) >>> 0;
              if (buf.length - off - 5 < n) break;
              handle(buf[off], buf.subarray(off + 5, off + 5 + n));
              off += 5 + n;
            }
            buf = buf.slice(off);
            return read();
          });
        };
        return read();
      }).catch(function (e) {
        if (!stopped && e.name !== 'AbortError') retry();
      });
    }

    function stop() {
      stopped = true;
      clearInterval(dog);
      if (timer) clearTimeout(timer);
      if (ctrl) ctrl.abort();
    }

    state('connecting');
    connect();
    return { stop: stop };
  }

  window.CustodianLive = { play: play };
})();
