// The ticket page, live: the phone fan-out's stream (queue_server/live) sends the ticket's
// facts on every change; this fills them in, and raises the alerts. The page reads without
// it (the server renders the same facts); an ended ticket reloads to its last page.
(function () {
  "use strict";
  var root = document.getElementById("ticket");
  if (!root) return;
  var url = root.getAttribute("data-stream");
  var ENDED = { done: 1, no_show: 1, cancelled: 1 };
  var state = root.getAttribute("data-state");
  var alertAt = Number(root.getAttribute("data-alert-at")) || 3;
  var nearShown = false;
  var audio = null;
  var KEY = "alert-at:" + location.pathname;

  var hint = document.getElementById("reload-hint");
  if (hint) hint.hidden = true;
  var alerts = document.getElementById("alerts");
  if (alerts) alerts.hidden = false;
  var select = document.getElementById("alert-at");
  try { if (sessionStorage.getItem(KEY)) alertAt = Number(sessionStorage.getItem(KEY)); } catch (e) {}
  if (select) {
    select.value = String(alertAt);
    select.addEventListener("change", function () {
      alertAt = Number(select.value);
      nearShown = false;
      try { sessionStorage.setItem(KEY, select.value); } catch (e) {}
      if (last) near(last);
    });
  }
  // A phone plays sound only after a tap: the button opens the audio and asks nothing else.
  var on = document.getElementById("alerts-on");
  if (on) on.addEventListener("click", function () {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (AC && !audio) audio = new AC();
    if (audio && audio.resume) audio.resume();
    on.textContent = "提醒已开启 Alerts on";
    on.disabled = true;
  });

  function chime() {
    if (!audio) return;
    [660, 880].forEach(function (f, i) {
      var o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime + i * 0.35;
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t);
      g.gain.exponentialRampToValueAtTime(0.4, t + 0.03);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
      o.connect(g); g.connect(audio.destination);
      o.start(t); o.stop(t + 0.32);
    });
  }
  function buzz(pattern) { if (navigator.vibrate) try { navigator.vibrate(pattern); } catch (e) {} }

  function fill(name, value) {
    var els = document.querySelectorAll('[data-f="' + name + '"]');
    for (var i = 0; i < els.length; i++) els[i].textContent = value == null ? "" : String(value);
  }
  function show(sel, yes) {
    var els = document.querySelectorAll(sel);
    for (var i = 0; i < els.length; i++) els[i].hidden = !yes;
  }

  var call = document.getElementById("call");
  var callOk = document.getElementById("call-ok");
  if (callOk) callOk.addEventListener("click", function () { call.hidden = true; });
  var lastCall = null;
  var last = null;

  function near(t) {
    var el = document.getElementById("near");
    if (!el) return;
    var ahead = t.position || 0;
    if (t.state === "waiting" && ahead <= alertAt) {
      el.hidden = false;
      if (!nearShown) { nearShown = true; chime(); buzz([300, 100, 300]); }
    } else { el.hidden = true; nearShown = false; }
  }

  function update(t) {
    if (ENDED[t.state]) { location.reload(); return; }
    var ahead = t.position || 0;
    fill("position", ahead);
    fill("wait", t.wait_min ? t.wait_min[0] + "–" + t.wait_min[1] : "");
    fill("window", t.window);
    fill("calls", (t.recalls || 0) + 1);
    fill("misses_left", t.misses_left);
    fill("transferred_to_window", t.transferred_to_window);
    show("#ahead-line, #wait-line", t.state === "waiting" && ahead > 0);
    show("#next-line", t.state === "waiting" && ahead === 0);
    show('[data-if="beyond_closing"]', !!t.beyond_closing);
    show('[data-if="missed"]', t.missed > 0);
    show('[data-if="transferred_to_window"]', !!t.transferred_to_window);
    show('[data-if="transferred_to_item"]', !!t.transferred_to_item && !t.transferred_to_window);
    show('[data-if="recalls"]', t.recalls > 0);
    var cards = document.querySelectorAll(".st[data-for]");
    for (var i = 0; i < cards.length; i++) cards[i].hidden = cards[i].getAttribute("data-for") !== t.state;
    root.setAttribute("data-state", t.state);
    if (t.state === "called") {
      var key = t.window + ":" + (t.recalls || 0);
      if (key !== lastCall) {  // a new call or a recall: full screen, sound, vibration
        lastCall = key;
        call.hidden = false;
        chime();
        buzz([400, 150, 400, 150, 400]);
      }
    } else {
      call.hidden = true;
      lastCall = null;
    }
    near(t);
    last = t;
    state = t.state;
  }

  if (!url || !window.EventSource || ENDED[state]) return;
  var live = document.getElementById("live-state");
  var es = new EventSource(url);
  es.addEventListener("ticket", function (e) {
    if (live) live.textContent = "实时更新中 Updating live";
    try { update(JSON.parse(e.data)); } catch (err) {}
  });
  es.onerror = function () {
    if (live) live.textContent = "连接中断，正在重连… Reconnecting…";
    // Refused for good (the ticket ended meanwhile): the page shows how it ended.
    if (es.readyState === EventSource.CLOSED) setTimeout(function () { location.reload(); }, 3000);
  };
})();
