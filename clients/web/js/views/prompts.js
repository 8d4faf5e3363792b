// Prompts that reach a delegate wherever they were on the page (a phone scrolled to the
// documents, a tablet left on the feedback form): a vote that opens turns the ballot section
// itself into a full-screen layer until the delegate has voted or dismissed it, with an optional
// sound; "you have the floor" is a full-screen notice until it is acknowledged. Dismissals are
// kept per poll and per turn at the floor, so a reload does not bring them back.

import { h, fill, formatClock } from "../dom.js";
import { t } from "../i18n.js";
import { remaining } from "./common.js";

const SOUND_KEY = "phonghop.prompt_sound";
const dismissed = new Set(readDismissed());

function readDismissed() {
  try { return JSON.parse(sessionStorage.getItem("phonghop.dismissed") || "[]"); } catch { return []; }
}

function dismiss(key) {
  dismissed.add(key);
  try { sessionStorage.setItem("phonghop.dismissed", JSON.stringify([...dismissed])); } catch { /* private mode */ }
}

function soundOn() {
  try { return localStorage.getItem(SOUND_KEY) === "1"; } catch { return false; }
}

function beep() {
  // Two short tones; a browser that blocks audio before a touch simply stays silent.
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    [0, 0.25].forEach((at) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + at);
      osc.stop(audio.currentTime + at + 0.15);
    });
  } catch { /* no audio */ }
}

function soundToggle() {
  const button = h("button", { type: "button", class: "btn prompt-sound", id: "prompt-sound", "aria-pressed": String(soundOn()) });
  const label = () => { button.textContent = soundOn() ? t("prompt.sound_on") : t("prompt.sound_off"); };
  label();
  button.addEventListener("click", () => {
    try { localStorage.setItem(SOUND_KEY, soundOn() ? "0" : "1"); } catch { /* private mode */ }
    button.setAttribute("aria-pressed", String(soundOn()));
    label();
  });
  return button;
}

/**
 * The ballot section takes over the screen while this tablet still has a ballot to cast in
 * the open poll (the ballot slot shows choices) and the delegate has not dismissed it.
 */
export function votePrompt(section, slot, s, onChange) {
  const poll = (s.polls || []).find((p) => p.status === "open");
  const toVote = !!slot.querySelector(".ballot .choices");
  const key = poll ? `poll:${poll.poll}` : "";
  const on = !!poll && toVote && !dismissed.has(key);
  let bar = section.querySelector(".prompt-bar");
  if (!on) {
    bar?.remove();
    section.classList.remove("takeover");
    return false;
  }
  if (!bar || bar.dataset.key !== key) {
    bar?.remove();
    bar = h("div", { class: "prompt-bar", "data-key": key, role: "alert" },
      h("strong", { class: "prompt-title", id: "vote-prompt-title" }, t("prompt.vote_open")),
      soundToggle(),
      h("button", { type: "button", class: "btn", id: "vote-prompt-dismiss", onclick: () => { dismiss(key); onChange(); } }, t("prompt.later")));
    section.prepend(bar);
    if (soundOn()) beep();
  }
  if (!section.classList.contains("takeover")) {
    section.classList.add("takeover");
    section.scrollTop = 0;
  }
  return true;
}

/** "You have the floor", over everything but a vote prompt, until acknowledged. */
export function floorPrompt(layer, s, now, { hiddenByVote }) {
  const floor = s.speakers?.floor;
  const mine = floor && floor.participant === s.me?.id;
  const key = mine ? `floor:${floor.started_at}` : "";
  if (!mine || dismissed.has(key) || hiddenByVote) {
    layer.hidden = true;
    return;
  }
  const left = remaining({ started_at: floor.started_at, duration_ms: floor.seconds * 1000 }, now);
  if (layer.dataset.key !== key) {
    layer.dataset.key = key;
    fill(layer, h("div", { class: "prompt-card" },
      h("h2", { id: "floor-prompt-title" }, t("prompt.floor_title")),
      h("p", {}, t("prompt.floor_text")),
      h("div", { class: "prompt-timer timer-value", role: "timer", "aria-label": t("speakers.time_left") }),
      h("button", { type: "button", class: "btn btn-primary btn-xl", id: "floor-prompt-ok", onclick: () => { dismiss(key); layer.hidden = true; } }, t("prompt.floor_ok"))));
    if (soundOn()) beep();
  }
  layer.querySelector(".prompt-timer").textContent = formatClock(left);
  layer.hidden = false;
}
