// kneekit's player face: what a runner sees and hears with a phone on the floor.
// The kernel's session engine decides everything; this file only draws what it says, eases the
// time bar between its ticks, and does what only a browser can: sound (Web Audio, unlocked by
// the Start tap), vibration, speech, and keeping the screen awake.

const TONES = { count: [660, 0.12], hold: [880, 0.35], change: [523, 0.35], done: [784, 0.8] };
const ARROWS = { right: ["", " \u25B6"], left: ["\u25C0 ", ""], both: ["\u25C0 ", " \u25B6"] };

let audio = null; // one AudioContext per page, made inside a tap so a phone lets it play

function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) audio = new Context();
  if (audio.state !== "running") audio.resume();
  // Some phones only count the context as allowed once a source has started inside the tap.
  const source = audio.createBufferSource();
  source.buffer = audio.createBuffer(1, 1, 22050);
  source.connect(audio.destination);
  source.start(0);
}

function beep(name) {
  if (!audio || audio.state !== "running") return false;
  const [frequency, seconds] = TONES[name] || TONES.change;
  const t = audio.currentTime;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0, t);
  gain.gain.linearRampToValueAtTime(0.5, t + 0.005);
  gain.gain.setValueAtTime(0.5, t + seconds - 0.005);
  gain.gain.linearRampToValueAtTime(0, t + seconds);
  osc.connect(gain).connect(audio.destination);
  osc.start(t);
  osc.stop(t + seconds);
  return true;
}

function make(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

function arrow(glyph) {
  // Which way the band points is said by its words; the arrow is for the eye only.
  const node = make("span", "kk-arrow", { "aria-hidden": "true" });
  node.textContent = glyph;
  return node;
}

function render({ model, el }) {
  const face = make("div", "kk-face");
  const band = make("div", "kk-band kneekit-side");
  const headline = make("h2", "kk-headline kneekit-headline");
  const clock = make("div", "kk-countdown kneekit-countdown", { role: "timer" });
  const bar = make("div", "kk-bar", { role: "progressbar", "aria-label": "Time left in this step" });
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  const fill = make("div", "kk-fill");
  bar.append(fill);
  const primary = make("button", "kk-primary kneekit-start", { type: "button" });
  const back = make("button", "kk-small kneekit-back", { type: "button" });
  const skip = make("button", "kk-small kneekit-skip", { type: "button" });
  const sound = make("button", "kk-small kneekit-mute", { type: "button" });
  const voice = make("button", "kk-small kneekit-voice", { type: "button" });
  back.textContent = "Back";
  skip.textContent = "Skip";
  const small = make("div", "kk-row");
  small.append(back, skip, sound, voice);
  const controls = make("div", "kk-controls");
  controls.append(primary, small);
  const picture = make("img", "kk-picture kneekit-picture");
  const next = make("p", "kk-next kneekit-next");
  const cues = make("ol", "kk-cues kneekit-cues");
  const overall = make("p", "kk-overall");
  const hint = make("p", "kk-hint");
  const live = make("div", "kk-live kneekit-announce", { role: "status", "aria-live": "assertive" });
  const now = make("div", "kk-now");
  now.append(headline, clock, bar, controls);
  const more = make("div", "kk-more");
  more.append(next, picture, cues, overall, hint);
  const main = make("div", "kk-main");
  main.append(now, more);
  face.append(band, main, live);
  el.append(face);

  let lock = null;
  let wantAwake = false;
  async function keepAwake(on) {
    wantAwake = on;
    if (on && !lock && navigator.wakeLock) {
      try {
        const got = await navigator.wakeLock.request("screen");
        if (!wantAwake) return void got.release();
        lock = got;
        got.addEventListener?.("release", () => { if (lock === got) lock = null; });
      } catch (_) {
        lock = null; // refused (battery saver, hidden tab): the routine runs on regardless
      }
    } else if (!on && lock) {
      const held = lock;
      lock = null;
      try { await held.release(); } catch (_) { /* already released by the browser */ }
    }
  }
  const onVisible = () => {
    if (document.visibilityState === "visible" && model.get("state") === "running") keepAwake(true);
  };
  document.addEventListener("visibilitychange", onVisible);

  function draw() {
    const state = model.get("state");
    const side = model.get("side");
    const [before, after] = ARROWS[side] || ["", ""];
    band.dataset.side = side;
    band.dataset.kind = model.get("kind");
    band.textContent = "";
    const words = make("span", "kk-words");
    words.textContent = model.get("band");
    band.append(arrow(before), words, arrow(after));
    headline.textContent = model.get("headline");
    clock.textContent = model.get("countdown");
    clock.setAttribute("aria-label", `${model.get("countdown")} left`);
    face.dataset.state = state;
    primary.textContent = model.get("primary");
    primary.dataset.action = model.get("primary");
    const active = state === "running" || state === "paused";
    back.disabled = skip.disabled = !active;
    const soundOn = model.get("sound_on");
    sound.textContent = soundOn ? "Sound on" : "Sound off";
    sound.setAttribute("aria-pressed", String(soundOn));
    const voiceOn = model.get("speak");
    voice.textContent = voiceOn ? "Voice on" : "Voice off";
    voice.setAttribute("aria-pressed", String(voiceOn));
    const src = model.get("picture");
    if (src) {
      if (picture.getAttribute("src") !== src) picture.setAttribute("src", src);
      picture.alt = model.get("picture_alt");
      picture.hidden = false;
    } else {
      picture.hidden = true;
      picture.removeAttribute("src");
    }
    next.textContent = model.get("upcoming");
    cues.textContent = "";
    for (const cue of model.get("cues")) {
      const item = make("li");
      item.textContent = cue;
      cues.append(item);
    }
    overall.textContent = model.get("overall");
    hint.textContent =
      soundOn && active && (!audio || audio.state !== "running")
        ? "Sound is blocked by this browser: tap Sound off and on again to allow it."
        : "";
    ease(state);
    keepAwake(state === "running");
  }

  function ease(state) {
    // The bar shows the step's time left, eased linearly to empty until the next kernel tick
    // re-anchors it: smooth on screen, and never ahead of the engine by more than a tick.
    const total = model.get("step_total") || 1;
    const left = Math.max(0, Math.min(total, model.get("step_left")));
    bar.setAttribute("aria-valuenow", String(Math.round((100 * left) / total)));
    fill.style.transition = "none";
    fill.style.transform = `scaleX(${left / total})`;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    if (state === "running" && !still && left > 0) {
      void fill.offsetWidth; // apply the jump before starting the ease
      fill.style.transition = `transform ${left}s linear`;
      fill.style.transform = "scaleX(0)";
    }
  }

  function cue() {
    const { sound: name, say, vibrate } = model.get("cue");
    if (name && model.get("sound_on")) beep(name);
    if (vibrate && navigator.vibrate) navigator.vibrate(250);
    if (say && model.get("speak") && window.speechSynthesis) {
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(say));
    }
  }

  function announce() {
    // Cleared first so that the same words said twice (two right-leg holds) are read twice.
    live.textContent = "";
    setTimeout(() => { live.textContent = model.get("announce"); }, 50);
  }

  primary.addEventListener("click", () => {
    unlockAudio();
    if (model.get("state") !== "running" && model.get("state") !== "paused") {
      // Starting: bring the side and the countdown to the top of a small or sideways screen.
      face.scrollIntoView({ block: "start" });
    }
    model.send({ press: "primary" });
  });
  back.addEventListener("click", () => model.send({ press: "back" }));
  skip.addEventListener("click", () => model.send({ press: "skip" }));
  sound.addEventListener("click", () => {
    unlockAudio();
    model.set("sound_on", !model.get("sound_on"));
    model.save_changes();
  });
  voice.addEventListener("click", () => {
    model.set("speak", !model.get("speak"));
    model.save_changes();
  });

  const drawn = [
    "state", "kind", "side", "band", "headline", "countdown", "step_left", "step_total",
    "primary", "sound_on", "speak", "picture", "picture_alt", "upcoming", "cues", "overall",
  ];
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; draw(); });
  };
  for (const name of drawn) model.on(`change:${name}`, schedule);
  model.on("change:cue", cue);
  model.on("change:announce", announce);
  draw();

  return () => {
    for (const name of drawn) model.off(`change:${name}`, schedule);
    model.off("change:cue", cue);
    model.off("change:announce", announce);
    document.removeEventListener("visibilitychange", onVisible);
    keepAwake(false);
  };
}

export default { render };
