// The chat page of `npm run chat -- --web`. Each column keeps its own conversation and posts it to this page's server,
// which asks the endpoint; every text from the network is set with textContent, never parsed as HTML.
"use strict";

(() => {
  const form = document.getElementById("composer");
  const box = document.getElementById("message");
  const send = document.getElementById("send");
  const status = document.getElementById("status");
  const area = document.getElementById("columns");
  /** @type {{id: string, title: string, history: {role: string, content: string}[], list: HTMLOListElement, empty: HTMLElement, error: HTMLElement, controller?: AbortController}[]} */
  const columns = [];
  let busy = false;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addColumn({ id, title, endpoint }) {
    const section = element("section", "column");
    const heading = element("h2", "", title);
    heading.id = `title-${id}`;
    heading.append(" ", element("span", "endpoint", endpoint));
    section.setAttribute("aria-labelledby", heading.id);
    const empty = element("p", "empty", "No messages yet.");
    const list = element("ol", "conversation");
    list.setAttribute("aria-live", "polite");
    list.setAttribute("aria-relevant", "additions");
    list.setAttribute("aria-label", `Conversation with the ${title.toLowerCase()}`);
    const error = element("div", "error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    section.append(heading, empty, list, error);
    area.append(section);
    columns.push({ id, title, history: [], list, empty, error });
  }

  function addTurn(column, role, text) {
    const item = element("li", `turn ${role}`);
    item.append(element("span", "who", role === "user" ? "You" : column.title), element("p", "text", text));
    column.empty.hidden = true;
    column.list.append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function showError(column, message) {
    column.error.replaceChildren(
      element("strong", "", "No answer. "),
      element("span", "reason", message),
      element(
        "p",
        "advice",
        "Your message was not added to this conversation and is back in the box: send it again, or start a New chat. " +
          "The terminal running npm run chat -- --web says more.",
      ),
    );
    column.error.hidden = false;
  }

  /** Reads the server's lines: notes while it waits, then the answer or the error. */
  async function readLines(response, onNote) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let result = {};
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return result;
      buffer += value;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const item = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (item.note !== undefined) onNote(item.note);
        else result = item;
      }
    }
  }

  /** Asks one column's endpoint; true when it answered. */
  async function ask(column, text) {
    column.error.hidden = true;
    const messages = [...column.history, { role: "user", content: text }];
    const mine = addTurn(column, "user", text);
    const pending = addTurn(column, "pending", "waiting for an answer…");
    pending.setAttribute("aria-hidden", "true");
    const controller = new AbortController();
    column.controller = controller;
    try {
      const response = await fetch("api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ column: column.id, messages }),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`${(await response.text()).trim()} (HTTP ${response.status})`);
      const result = await readLines(response, (note) => {
        pending.querySelector(".text").textContent = note;
        status.textContent = `${column.title}: ${note}`;
      });
      if (typeof result.answer !== "string") throw new Error(result.error || "The server stopped before the answer came.");
      pending.remove();
      column.history.push({ role: "user", content: text }, { role: "assistant", content: result.answer });
      addTurn(column, "assistant", result.answer);
      return true;
    } catch (err) {
      if (controller.signal.aborted) return true;
      mine.remove();
      pending.remove();
      column.empty.hidden = column.list.children.length > 0;
      const unreachable = err instanceof TypeError;
      showError(
        column,
        unreachable
          ? "The local chat server does not answer: is npm run chat -- --web still running? Start it again and open the address it prints."
          : err.message,
      );
      return false;
    } finally {
      column.controller = undefined;
    }
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    form.setAttribute("aria-busy", String(value));
    if (value) status.textContent = "Waiting for the answer…";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    if (busy || !text.trim() || columns.length === 0) return;
    box.value = "";
    setBusy(true);
    const answered = await Promise.all(columns.map((column) => ask(column, text)));
    setBusy(false);
    status.textContent = answered.every(Boolean) ? "" : "No answer: see the message above.";
    if (!answered.every(Boolean) && !box.value) box.value = text;
    box.focus();
  });

  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("new-chat").addEventListener("click", () => {
    for (const column of columns) {
      column.controller?.abort();
      column.history.length = 0;
      column.list.replaceChildren();
      column.empty.hidden = false;
      column.error.hidden = true;
    }
    setBusy(false);
    box.value = "";
    status.textContent = "Started a new chat.";
    box.focus();
  });

  fetch("api/config")
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .then((config) => {
      for (const column of config.columns) addColumn(column);
      document.body.classList.toggle("compare", columns.length > 1);
      box.focus();
    })
    .catch((err) => {
      status.textContent = `The page could not start (${err.message}): open the address npm run chat -- --web printed.`;
    });
})();
