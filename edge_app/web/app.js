// The page of `python -m edge_app serve`: live view, photo upload and drawing pad.
// Plain JavaScript and relative URLs: no framework, no CDN (devices are often offline).
"use strict";

const READINGS_EVERY_MS = 500;  // how often the live readings are fetched
const STREAM_RETRY_MS = 5000;  // wait before reopening a live stream that broke
const DRAW_PAUSE_MS = 300;  // the pad is read this long after the pen last moved
const PEN_WIDTH = 16;  // pixels on the 560x280 pad: a thick marker, as the pipeline likes
const NUMBER_COLOUR = "#ff8c00";
const DIGIT_COLOUR = "#00c800";

const $ = (id) => document.getElementById(id);
let limits = null;  // the server's upload limits, from /healthz

function setStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle("error", isError);
}

function showNumbers(list, numbers) {
  list.replaceChildren(...numbers.map((number) => {
    const item = document.createElement("li");
    const confidence = document.createElement("span");
    confidence.className = "confidence";
    confidence.textContent = ` (${number.confidence.toFixed(2)})`;
    item.append(number.text, confidence);
    return item;
  }));
}

// POST an image to the API; resolves to {ok, body, serverMs, roundTripMs}.
async function predict(body, contentType) {
  const started = performance.now();
  const headers = contentType ? {"Content-Type": contentType} : {};
  const response = await fetch("api/predict", {method: "POST", body, headers});
  let result;
  try {
    result = await response.json();
  } catch {
    result = {error: `the server answered ${response.status} ${response.statusText}`};
  }
  const timing = /dur=([0-9.]+)/.exec(response.headers.get("Server-Timing") || "");
  return {ok: response.ok, body: result, serverMs: timing ? Number(timing[1]) : null,
          roundTripMs: performance.now() - started};
}

// --- Live view: the MJPEG stream, and the readings polled beside it.

const live = {image: $("live-image"), status: $("live-status"), numbers: $("live-numbers"),
              streaming: false, retryAt: 0};

live.image.addEventListener("error", () => {
  live.streaming = false;
  live.retryAt = Date.now() + STREAM_RETRY_MS;
});

function describeLive(state) {
  switch (state.state) {
    case "live": {
      const read = state.ms === null ? "" : `, numbers read in ${state.ms.toFixed(0)} ms`;
      return [`Live: ${state.fps.toFixed(1)} frames per second${read}.`, false];
    }
    case "starting": return ["Waiting for the first frame…", false];
    case "stalled": return [`The camera stopped sending frames: ${state.error}.`, true];
    case "ended": return ["The source has ended; its last frame is shown.", false];
    case "failed": return [`The live source failed: ${state.error}. Uploads and drawing still work.`, true];
    default: return [`No live view${state.error ? ": " + state.error : ""}. Uploads and drawing still work.`, false];
  }
}

async function pollReadings() {
  try {
    const response = await fetch("api/readings", {cache: "no-store"});
    const state = await response.json();
    const [text, isError] = describeLive(state);
    setStatus(live.status, text, isError);
    showNumbers(live.numbers, state.numbers);
    const playable = ["starting", "live", "stalled", "ended"].includes(state.state);
    if (playable && !live.streaming && Date.now() >= live.retryAt) {
      live.streaming = true;
      live.image.src = `stream.mjpg?t=${Date.now()}`;  // a fresh URL, so a broken stream is reopened
      live.image.hidden = false;
    }
    if (state.state === "off") live.image.hidden = true;
  } catch {
    setStatus(live.status, "The device does not answer.", true);
  }
  setTimeout(pollReadings, READINGS_EVERY_MS);
}

// --- Upload: choose or drop a photo; it is shown with the numbers drawn on it.

const upload = {input: $("file"), drop: $("drop"), status: $("upload-status"), numbers: $("upload-numbers"),
                canvas: $("upload-canvas")};

function drawReadings(canvas, image, result) {
  const scale = Math.min(1, 900 / image.naturalWidth);
  canvas.width = Math.round(image.naturalWidth * scale);
  canvas.height = Math.round(image.naturalHeight * scale);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const toCanvas = canvas.width / (result.width || image.naturalWidth);  // boxes are in the image's pixels
  context.lineWidth = 2;
  context.font = "bold 16px sans-serif";
  for (const number of result.numbers) {
    for (const digit of number.digits) {
      const [x, y, w, h] = digit.box.map((v) => v * toCanvas);
      context.strokeStyle = DIGIT_COLOUR;
      context.strokeRect(x, y, w, h);
    }
    const [x, y, w, h] = number.box.map((v) => v * toCanvas);
    context.strokeStyle = NUMBER_COLOUR;
    context.strokeRect(x - 3, y - 3, w + 6, h + 6);
    const label = `${number.text} (${number.confidence.toFixed(2)})`;
    const top = Math.max(0, y - 24);
    context.fillStyle = NUMBER_COLOUR;
    context.fillRect(x - 3, top, context.measureText(label).width + 8, 20);
    context.fillStyle = "#fff";
    context.fillText(label, x + 1, top + 16);
  }
  canvas.hidden = false;
}

async function uploadFile(file) {
  if (!file) return;
  upload.numbers.replaceChildren();
  upload.canvas.hidden = true;
  if (limits && file.size > limits.max_upload_bytes) {
    setStatus(upload.status, `${file.name} is too large: ${(file.size / 1048576).toFixed(1)} MB, ` +
              `the limit is ${(limits.max_upload_bytes / 1048576).toFixed(0)} MB.`, true);
    return;
  }
  setStatus(upload.status, `Reading ${file.name}…`);
  const form = new FormData();
  form.append("image", file, file.name);
  let answer;
  try {
    answer = await predict(form);
  } catch {
    setStatus(upload.status, "The device does not answer.", true);
    return;
  }
  if (!answer.ok) {
    setStatus(upload.status, `${file.name}: ${answer.body.error}`, true);
    return;
  }
  const result = answer.body;
  const found = result.numbers.length ? `${result.numbers.length} number(s)` : "no digits";
  setStatus(upload.status, `${file.name}: ${found} in ${answer.serverMs?.toFixed(0) ?? "?"} ms on the device ` +
            `(${answer.roundTripMs.toFixed(0)} ms with the transfer).`);
  showNumbers(upload.numbers, result.numbers);
  const image = new Image();
  image.onload = () => { drawReadings(upload.canvas, image, result); URL.revokeObjectURL(image.src); };
  image.src = URL.createObjectURL(file);  // the browser shows the file itself: nothing more is downloaded
}

upload.input.addEventListener("change", () => uploadFile(upload.input.files[0]));
for (const name of ["dragenter", "dragover"]) {
  upload.drop.addEventListener(name, (event) => { event.preventDefault(); upload.drop.classList.add("over"); });
}
for (const name of ["dragleave", "drop"]) {
  upload.drop.addEventListener(name, () => upload.drop.classList.remove("over"));
}
upload.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  uploadFile(event.dataTransfer.files[0]);
});

// --- Draw: black strokes on white, read as you draw.

const pad = {canvas: $("pad"), result: $("draw-result"), numbers: $("draw-numbers"), status: $("draw-status"),
             drawing: false, timer: null, busy: false, again: false, empty: true, cleared: 0};
const pen = pad.canvas.getContext("2d");

function clearPad() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, pad.canvas.width, pad.canvas.height);
  pad.empty = true;
  pad.cleared += 1;  // an answer still on its way is for the old drawing
  pad.result.textContent = "";
  pad.numbers.replaceChildren();
  setStatus(pad.status, "Draw digits with the mouse or a finger.");
}

function padPoint(event) {
  const box = pad.canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.canvas.width / box.width,
          (event.clientY - box.top) * pad.canvas.height / box.height];
}

pad.canvas.addEventListener("pointerdown", (event) => {
  pad.canvas.setPointerCapture(event.pointerId);
  pad.drawing = true;
  pad.empty = false;
  const [x, y] = padPoint(event);
  pen.beginPath();
  pen.moveTo(x, y);
  pen.lineTo(x + 0.1, y);
  pen.stroke();
});
pad.canvas.addEventListener("pointermove", (event) => {
  if (!pad.drawing) return;
  const [x, y] = padPoint(event);
  pen.lineTo(x, y);
  pen.stroke();
  readPadSoon();
});
for (const name of ["pointerup", "pointercancel"]) {
  pad.canvas.addEventListener(name, () => { pad.drawing = false; readPadSoon(); });
}
$("clear").addEventListener("click", clearPad);

function readPadSoon() {
  clearTimeout(pad.timer);
  pad.timer = setTimeout(readPad, DRAW_PAUSE_MS);
}

// One request at a time; strokes drawn meanwhile are read when it returns.
async function readPad() {
  if (pad.empty) return;
  if (pad.busy) { pad.again = true; return; }
  pad.busy = true;
  const cleared = pad.cleared;
  try {
    const blob = await new Promise((resolve) => pad.canvas.toBlob(resolve, "image/png"));
    const answer = await predict(blob, "image/png");
    if (cleared !== pad.cleared) {
      // the pad was cleared meanwhile: nothing to show
    } else if (answer.ok) {
      pad.result.textContent = answer.body.numbers.map((n) => n.text).join(" ") || "?";
      showNumbers(pad.numbers, answer.body.numbers);
      setStatus(pad.status, `Read in ${answer.serverMs?.toFixed(0) ?? "?"} ms.`);
    } else {
      setStatus(pad.status, answer.body.error, true);
    }
  } catch {
    setStatus(pad.status, "The device does not answer.", true);
  } finally {
    pad.busy = false;
    if (pad.again) { pad.again = false; readPad(); }
  }
}

pen.lineWidth = PEN_WIDTH;
pen.lineCap = "round";
pen.lineJoin = "round";
pen.strokeStyle = "#000";
clearPad();
fetch("healthz").then((r) => r.json()).then((health) => { limits = health.limits; }).catch(() => {});
pollReadings();
