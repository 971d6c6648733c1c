// Custodian console: watermarks, live players, and the playback page. No inline scripts
// (the Content-Security-Policy forbids them).
(function () {
  'use strict';
  var kst = function (d) {
    var t = new Date(d.getTime() + 9 * 3600 * 1000);
    return t.toISOString().slice(0, 19).replace('T', ' ');
  };
  // Watermarks: the viewer and the current time over every video.
  function watermarks() {
    var now = kst(new Date());
    document.querySelectorAll('.wm').forEach(function (el) {
      el.textContent = el.getAttribute('data-viewer') + '\n' + now + ' KST';
    });
  }
  // Live players.
  function live() {
    document.querySelectorAll('video[data-live-src]').forEach(function (v) {
      var out = v.closest('figure') && v.closest('figure').querySelector('.live-status');
      if (!window.CustodianLive) {
        if (out) out.textContent = '실시간 재생기를 불러오지 못했습니다 (live player missing)';
        return;
      }
      window.CustodianLive.play(v, v.getAttribute('data-live-src'), {
        onStatus: function (s) { if (out) out.textContent = s; }
      });
    });
  }
  // Playback.
  function playback() {
    var v = document.getElementById('player');
    if (!v) return;
    var base = v.getAttribute('data-base');
    var from = new Date(v.getAttribute('data-from'));
    var to = new Date(v.getAttribute('data-to'));
    var start = new Date(v.getAttribute('data-at'));
    var rate = 1;
    var clock = document.getElementById('clock');
    var perr = document.getElementById('perror');
    function open(t) {
      if (t < from) t = from;
      if (t >= to) return;
      start = t;
      perr.textContent = '';
      v.src = base + '?from=' + encodeURIComponent(t.toISOString().replace(/\.\d+Z$/, 'Z'));
      v.playbackRate = rate;
      var p = v.play();
      if (p && p.catch) p.catch(function () {});
    }
    v.addEventListener('loadedmetadata', function () { v.playbackRate = rate; });
    v.addEventListener('timeupdate', function () {
      clock.textContent = '≈ ' + kst(new Date(start.getTime() + v.currentTime * 1000)) + ' KST';
    });
    v.addEventListener('ended', function () {
      // The next window, from where this one ended.
      open(new Date(start.getTime() + Math.max(v.currentTime, 1) * 1000));
    });
    v.addEventListener('error', function () {
      fetch(v.src, { credentials: 'same-origin' }).then(function (r) {
        return r.json();
      }).then(function (j) {
        perr.textContent = (j && j.error && j.error.message) || '재생할 수 없습니다 (cannot play)';
      }).catch(function () { perr.textContent = '재생할 수 없습니다 (cannot play)'; });
    });
    document.querySelectorAll('button[data-rate]').forEach(function (b) {
      b.addEventListener('click', function () {
        rate = parseFloat(b.getAttribute('data-rate'));
        v.playbackRate = rate;
        document.querySelectorAll('button[data-rate]').forEach(function (x) { x.setAttribute('aria-pressed', x === b ? 'true' : 'false'); });
      });
    });
    var svg = document.querySelector('svg.timeline');
    if (svg) {
      svg.addEventListener('click', function (ev) {
        var r = svg.getBoundingClientRect();
        var f = (ev.clientX - r.left) / r.width;
        var s = new Date(svg.getAttribute('data-from')), e = new Date(svg.getAttribute('data-to'));
        open(new Date(s.getTime() + f * (e.getTime() - s.getTime())));
      });
    }
    var jump = document.getElementById('jump');
    if (jump) {
      jump.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var hms = document.getElementById('jumpat').value;
        if (!hms) return;
        var day = kst(from).slice(0, 10);
        if (hms.length === 5) hms += ':00';
        open(new Date(day + 'T' + hms + '+09:00'));
      });
    }
    open(start);
  }
  // The menu: folded on a phone, always open on a wide screen.
  function menu() {
    var d = document.querySelector('details.menu');
    if (!d) return;
    var wide = window.matchMedia('(min-width: 52rem)');
    var set = function () { if (wide.matches) d.open = true; };
    set();
    if (wide.addEventListener) wide.addEventListener('change', set);
  }
  document.addEventListener('DOMContentLoaded', function () {
    menu();
    watermarks();
    setInterval(watermarks, 1000);
    live();
    playback();
  });
})();
