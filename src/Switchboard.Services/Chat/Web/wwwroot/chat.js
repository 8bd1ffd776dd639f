// Switchboard chat in the browser. The WebSocket carries the chat protocol's frames (docs/chat-protocol.md §9):
// each binary message is [datalen u32 big-endian][UTF-8 text]. Everything shown comes from the server as text and
// is put on the page with textContent, never as HTML.
"use strict";

(() => {
  const MAX_MESSAGE = 1000;
  const MAX_NAME = 10;
  const PREFIX = 14; // marker, padding, name, ": " (code points)
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const MAX_LINES = 2000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $("status"), join: $("join"), joinForm: $("join-form"), username: $("username"), joinError: $("join-error"),
    joinButton: $("join-button"), chat: $("chat"), messages: $("messages"), sendForm: $("send-form"), message: $("message"),
    counter: $("counter"), sendButton: $("send-button"), people: $("people"), peopleCount: $("people-count"),
    code: $("pairing-code"), pairingLine: $("pairing-line"), observerCommand: $("observer-command"), leave: $("leave-button"),
  };

  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: false });

  let socket = null;
  let wanted = "";          // the name to (re)claim
  let me = "";              // the name the server accepted
  let phase = "idle";       // idle | connecting | choosing | active
  let rejoining = false;    // reconnecting after losing an active session
  let attempt = 0;
  let retryTimer = 0;
  let silentWho = 0;        // /who answers the page asked for itself, used for the list and not shown
  let people = [];

  const codePoints = (text) => Array.from(text);

  function setStatus(text, offline) {
    ui.status.textContent = text;
    ui.status.classList.toggle("offline", !!offline);
  }

  function frame(text) {
    const data = encoder.encode(text);
    const bytes = new Uint8Array(4 + data.length);
    new DataView(bytes.buffer).setUint32(0, data.length, false);
    bytes.set(data, 4);
    return bytes;
  }

  function send(text) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(frame(text));
      return true;
    }
    return false;
  }

  // Frames arrive one a message; a buffer keeps this right even if a server split or joined them.
  let pending = new Uint8Array(0);
  function receive(data) {
    const chunk = new Uint8Array(data);
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let offset = 0;
    while (joined.length - offset >= 4) {
      const length = new DataView(joined.buffer, offset, 4).getUint32(0, false);
      if (joined.length - offset < 4 + length) break;
      onFrame(decoder.decode(joined.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    pending = joined.slice(offset);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (socket) return;
    phase = "connecting";
    setStatus(rejoining ? `Reconnecting (attempt ${attempt})…` : "Connecting…", rejoining);
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/chat`;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    socket = ws;
    pending = new Uint8Array(0);
    ws.onmessage = (event) => { if (socket === ws) receive(event.data); };
    ws.onclose = () => { if (socket === ws) onClosed(); };
  }

  function onClosed() {
    const was = phase;
    socket = null;
    phase = "idle";
    if (was === "active" || rejoining) {
      if (!rejoining) {
        rejoining = true;
        attempt = 0;
        line("Connection lost. Reconnecting…", "notice");
      }
      scheduleRetry();
      return;
    }
    setStatus("Not connected", false);
    ui.joinButton.disabled = false;
    if (!ui.joinError.textContent) {
      ui.joinError.textContent = "Could not reach the chat server. Try again.";
    }
  }

  function scheduleRetry() {
    attempt++;
    const delay = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)];
    setStatus(`Connection lost. Reconnecting in ${Math.ceil(delay / 1000)} s (attempt ${attempt})…`, true);
    retryTimer = setTimeout(connect, delay);
  }

  function onFrame(text) {
    switch (text) {
      case "accept":
        phase = "choosing";
        setStatus(rejoining ? "Reconnected, rejoining…" : "Connected", false);
        if (wanted) send(wanted);
        return;
      case "full":
        ui.joinError.textContent = "The chat is full right now.";
        setStatus("The chat is full", true);
        return;
      case "username-accepted":
        accepted();
        return;
      case "username-alreadyinuse":
        refused(`“${wanted}” is already in use. Choose another name.`);
        return;
      case "username-invalid":
        refused(`The server refused “${wanted}”: ${describeInvalid(wanted)}`);
        return;
      case "username-timeout":
        ui.joinError.textContent = "No username was chosen in time. Choose one to connect again.";
        return;
      case "server-shutdown":
        line("The server is shutting down.", "notice");
        return;
    }
    if (text.startsWith("pairing-code ")) {
      const code = text.slice("pairing-code ".length);
      ui.code.textContent = code;
      ui.pairingLine.textContent = `${me || wanted} ${code}`;
      return;
    }
    if (phase === "active") display(text);
  }

  function describeInvalid(name) {
    return /[\p{Cc}\p{Cf}]/u.test(name)
      ? "a username may not contain control or formatting characters."
      : "it breaks a username rule (1 to 10 characters, no spaces or control characters).";
  }

  function refused(message) {
    if (rejoining) {
      // The old name is taken now: the person chooses again.
      rejoining = false;
      showJoin();
    }
    ui.joinError.textContent = message;
    ui.joinButton.disabled = false;
    ui.username.focus();
    ui.username.select();
  }

  function accepted() {
    const back = rejoining;
    phase = "active";
    me = wanted;
    rejoining = false;
    attempt = 0;
    ui.joinError.textContent = "";
    ui.join.hidden = true;
    ui.chat.hidden = false;
    setStatus(`Connected as ${me}`, false);
    if (back) line(`Reconnected as ${me}.`, "notice");
    silentWho++;
    send("/who");
    ui.message.focus();
  }

  function showJoin() {
    ui.chat.hidden = true;
    ui.join.hidden = false;
    ui.username.value = wanted;
  }

  function display(text) {
    const cps = codePoints(text);
    if ((text[0] === ">" || text[0] === "-") && cps.length >= PREFIX && cps[PREFIX - 2] === ":" && cps[PREFIX - 1] === " ") {
      const sender = cps.slice(1, PREFIX - 2).join("").trimStart();
      message(sender, cps.slice(PREFIX).join(""), text[0] === "-");
      return;
    }
    let m = /^User (\S+) has joined$/u.exec(text);
    if (m) {
      if (!people.some((p) => p.toLowerCase() === m[1].toLowerCase())) people.push(m[1]);
      renderPeople();
      line(text, "system");
      return;
    }
    m = /^User (\S+) has left$/u.exec(text);
    if (m) {
      people = people.filter((p) => p !== m[1]);
      renderPeople();
      line(text, "system");
      return;
    }
    m = /^Participants \((\d+)\): (.*)$/u.exec(text);
    if (m) {
      people = m[2] ? m[2].split(", ") : [];
      renderPeople();
      if (silentWho > 0) {
        silentWho--;
        return;
      }
      line(text, "notice");
      return;
    }
    if (text === "A new observer has joined") {
      line(text, "system");
      return;
    }
    line(text, text.startsWith("Warning:") ? "warning" : "notice");
  }

  function append(li) {
    const list = ui.messages;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(li);
    while (list.childElementCount > MAX_LINES) list.removeChild(list.firstElementChild);
    if (atEnd) list.scrollTop = list.scrollHeight;
  }

  function line(text, kind) {
    const li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    append(li);
  }

  function message(sender, text, isPrivate) {
    const li = document.createElement("li");
    li.className = `msg ${isPrivate ? "private" : "public"}${sender === me ? " mine" : ""}`;
    if (isPrivate) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "private";
      li.appendChild(tag);
    }
    const from = document.createElement("button");
    from.type = "button";
    from.className = "from";
    from.textContent = `${sender}:`;
    from.title = `Write to ${sender} privately`;
    from.addEventListener("click", () => privateTo(sender));
    li.appendChild(from);
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.appendChild(body);
    append(li);
  }

  function renderPeople() {
    ui.people.replaceChildren(...people.map((name) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name === me ? `${name} (you)` : name;
      if (name === me) button.className = "me";
      button.title = `Write to ${name} privately`;
      button.addEventListener("click", () => privateTo(name));
      li.appendChild(button);
      return li;
    }));
    ui.peopleCount.textContent = `(${people.length})`;
  }

  function privateTo(name) {
    const rest = ui.message.value.replace(/^@\S*\s?/u, "");
    ui.message.value = `@${name} ${rest}`;
    updateCounter();
    ui.message.focus();
    ui.message.setSelectionRange(ui.message.value.length, ui.message.value.length);
  }

  function updateCounter() {
    const count = codePoints(ui.message.value).length;
    const over = count > MAX_MESSAGE;
    ui.counter.textContent = over ? `${count} / ${MAX_MESSAGE}: too long` : `${count} / ${MAX_MESSAGE}`;
    ui.counter.classList.toggle("over", over);
    ui.sendButton.disabled = over;
  }

  ui.joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.username.value;
    const length = codePoints(name).length;
    let problem = "";
    if (length === 0) problem = "Enter a username.";
    else if (/\s/u.test(name)) problem = `“${name}” contains a space; a username may not.`;
    else if (length > MAX_NAME) problem = `“${name}” has ${length} characters; at most ${MAX_NAME} are allowed.`;
    if (problem) {
      ui.joinError.textContent = problem;
      ui.username.focus();
      return;
    }
    ui.joinError.textContent = "";
    wanted = name;
    if (phase === "choosing") send(name);
    else connect();
  });

  ui.sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    // A message is one line, as a terminal user types it: line breaks become spaces.
    const text = ui.message.value.replace(/\r\n|[\r\n\u2028\u2029]/gu, " ");
    if (!text || codePoints(text).length > MAX_MESSAGE) return;
    if (send(text)) {
      ui.message.value = "";
      updateCounter();
    } else {
      line("Not connected: the message was not sent.", "warning");
    }
  });

  ui.message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      ui.sendForm.requestSubmit();
    }
  });
  ui.message.addEventListener("input", updateCounter);

  ui.leave.addEventListener("click", () => {
    rejoining = false;
    clearTimeout(retryTimer);
    const ws = socket;
    socket = null;
    phase = "idle";
    if (ws) ws.close(1000, "left");
    line(`You left the chat.`, "notice");
    me = "";
    people = [];
    renderPeople();
    setStatus("Not connected", false);
    showJoin();
    ui.username.focus();
  });

  // The terminal command an observer needs: this host, and the chat's TCP ports when the server knows them.
  function showObserverCommand(info) {
    const port = info && info.port ? String(info.port) : "CHAT_PORT";
    let command = `switchboard chat client --observer --ip ${location.hostname} --port ${port}`;
    if (info && info.port && info.observerPort && info.observerPort !== info.port + 1) command += ` --observer-port ${info.observerPort}`;
    // One unbreakable piece per word, so a narrow panel wraps between options, never inside one.
    ui.observerCommand.replaceChildren(...command.split(" ").flatMap((word, i) => {
      const piece = document.createElement("span");
      piece.className = "word";
      piece.textContent = word;
      return i === 0 ? [piece] : [" ", piece];
    }));
  }
  showObserverCommand(null);
  fetch("/info.json").then((r) => (r.ok ? r.json() : null)).then(showObserverCommand).catch(() => {});

  updateCounter();
  ui.username.focus();
})();
