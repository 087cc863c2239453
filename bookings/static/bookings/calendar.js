/* The admin's time-grid calendar (bookings/admin/calendar_views.py).
 *
 * Configuration comes from the page (json_script "calendar-config"); every write is a POST
 * with the page's CSRF token to an endpoint that calls the same service as the admin's own
 * pages, and the server's answer decides: a refused move is put back where it was.
 *
 * Times travel as wall-clock time in the calendar's zone without an offset. The widget keeps
 * such times "floating" and hands them to callbacks as Date objects whose local fields are
 * that wall clock, so they are read back with the local getters below.
 */
(function () {
  "use strict";

  const root = document.getElementById("booking-calendar");
  const configNode = document.getElementById("calendar-config");
  if (!root || !configNode || !window.EventCalendar) {
    return;
  }
  const config = JSON.parse(configNode.textContent);
  const labels = config.labels;
  const csrfToken = document.querySelector("#cal-csrf [name=csrfmiddlewaretoken]").value;
  const messages = document.getElementById("cal-messages");
  const slotDialog = document.getElementById("cal-slot-dialog");
  const bookingDialog = document.getElementById("cal-booking-dialog");
  const phoneForm = document.getElementById("cal-phone-form");
  const blockForm = document.getElementById("cal-block-form");
  const cancelForm = document.getElementById("cal-cancel-form");
  const tableLink = document.getElementById("cal-table-link");
  const nav = document.getElementById("cal-nav");
  const VIEWS = { day: "resourceTimeGridDay", week: "resourceTimeGridWeek" };
  document.getElementById("cal-toolbar").hidden = false;
  root.hidden = false;

  const pad = (number) => String(number).padStart(2, "0");
  const isoDate = (date) =>
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const isoTime = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const wallClock = (date) => `${isoDate(date)}T${isoTime(date)}`;
  const longDate = new Intl.DateTimeFormat(config.locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
  });
  const clock = new Intl.DateTimeFormat(config.locale, { hour: "2-digit", minute: "2-digit" });

  function showMessage(text, level) {
    const item = document.createElement("li");
    item.className = level;
    item.textContent = text;
    messages.replaceChildren(item);
  }

  function errorText(data) {
    return (data && data.detail) || labels.failed;
  }

  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      });
    } catch (error) {
      return { ok: false, data: { detail: labels.failed } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = { detail: labels.failed }; // a login redirect or an error page: not ours to read
    }
    return { ok: response.ok, data: data };
  }

  function setError(container, text) {
    const note = container.querySelector(".bt-cal-errors");
    note.textContent = text || "";
    note.hidden = !text;
  }

  // --- Events as boxes --------------------------------------------------------------------

  function line(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function eventContent(info) {
    const props = info.event.extendedProps;
    if (props.kind === "closed") {
      return { domNodes: [] }; // closed hours: only the shading
    }
    const nodes = [line("time", "ec-event-time", info.timeText)];
    if (props.kind === "block") {
      nodes.push(line("strong", "bt-cal-title", labels.blocked));
      if (info.event.title && info.event.title !== labels.blocked) {
        nodes.push(line("span", "bt-cal-line", info.event.title));
      }
    } else {
      nodes.push(line("strong", "bt-cal-title", info.event.title));
      if (props.phone) {
        nodes.push(line("span", "bt-cal-line bt-cal-phone", props.phone));
      }
      nodes.push(line("span", "bt-cal-line", `${props.service} · ${props.statusLabel}`));
    }
    return { domNodes: nodes };
  }

  // --- Empty time: book by phone or block ---------------------------------------------------

  function showTab(formId) {
    for (const button of slotDialog.querySelectorAll("[data-tab]")) {
      const active = button.dataset.tab === formId;
      button.setAttribute("aria-pressed", String(active));
      document.getElementById(button.dataset.tab).hidden = !active;
    }
  }

  function openSlot(start, end, resource) {
    if (!resource || !(config.canBook || config.canBlock)) {
      return;
    }
    document.getElementById("cal-slot-title").textContent =
      `${resource.title} · ${longDate.format(start)}`;
    if (phoneForm) {
      phoneForm.reset();
      setError(phoneForm, "");
      phoneForm.elements.resource.value = resource.id;
      phoneForm.elements.date.value = isoDate(start);
      phoneForm.elements.time.value = isoTime(start);
      const select = phoneForm.elements.service;
      let first = null;
      for (const option of select.options) {
        const fits = !option.value || (config.services[option.value] || []).includes(resource.id);
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && option.value && first === null) {
          first = option.value;
        }
      }
      select.value = first || "";
      const none = phoneForm.querySelector(".bt-cal-no-service");
      none.textContent = labels.noService;
      none.hidden = first !== null;
    }
    if (blockForm) {
      blockForm.reset();
      setError(blockForm, "");
      blockForm.elements.resource.value = resource.id;
      blockForm.elements.start.value = wallClock(start);
      blockForm.elements.end.value = wallClock(end);
    }
    showTab(phoneForm ? phoneForm.id : blockForm.id);
    slotDialog.showModal();
  }

  async function submitDialogForm(event) {
    event.preventDefault();
    const form = event.target;
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    const result = await post(form.action, new FormData(form));
    submit.disabled = false;
    if (!result.ok) {
      setError(form, errorText(result.data));
      return;
    }
    form.closest("dialog").close();
    showMessage(result.data.detail, "success");
    calendar.refetchEvents();
  }

  // --- A booking: details, confirm, cancel, no-show -----------------------------------------

  let openBooking = null;

  function openBookingDialog(event) {
    const props = event.extendedProps;
    if (props.kind !== "booking") {
      window.location.href = props.url; // a busy block is edited (or removed) on its own page
      return;
    }
    openBooking = event;
    setError(bookingDialog, "");
    document.getElementById("cal-booking-title").textContent = event.title;
    const details = {
      ...props,
      phone: props.phone || "–",
      time: `${longDate.format(event.start)}–${clock.format(event.end)}`,
    };
    for (const node of bookingDialog.querySelectorAll("[data-field]")) {
      node.textContent = details[node.dataset.field];
    }
    for (const button of bookingDialog.querySelectorAll("[data-action]")) {
      button.hidden = !props.actions[button.dataset.action];
    }
    for (const link of bookingDialog.querySelectorAll("[data-link]")) {
      link.href = props[link.dataset.link] || "#";
      link.hidden = !props[link.dataset.link];
    }
    cancelForm.reset();
    cancelForm.action = props.actions.cancel || "";
    cancelForm.hidden = !props.actions.cancel;
    bookingDialog.showModal();
  }

  async function runAction(name, body) {
    const result = await post(openBooking.extendedProps.actions[name], body);
    if (!result.ok) {
      setError(bookingDialog, errorText(result.data));
      return;
    }
    bookingDialog.close();
    showMessage(result.data.detail, "success");
    calendar.refetchEvents();
  }

  // --- Drag to move -------------------------------------------------------------------------

  async function eventDrop(info) {
    const props = info.event.extendedProps;
    if (!props.dropUrl) {
      info.revert();
      return;
    }
    const body = new FormData();
    body.set("start", wallClock(info.event.start));
    body.set("resource", info.newResource ? info.newResource.id : info.event.resourceIds[0]);
    const result = await post(props.dropUrl, body);
    if (!result.ok) {
      info.revert();
      showMessage(errorText(result.data), "error");
      return;
    }
    showMessage(result.data.detail, "success");
    calendar.refetchEvents();
  }

  // --- The calendar -------------------------------------------------------------------------

  const calendar = EventCalendar.create(root, {
    view: VIEWS[config.view] || VIEWS.day,
    date: config.date,
    locale: config.locale,
    firstDay: 1,
    resources: config.resources,
    datesAboveResources: true,
    eventSources: [{ url: config.eventsUrl }],
    headerToolbar: { start: "", center: "", end: "" }, // ours is #cal-nav, outside the grid
    allDaySlot: false,
    slotMinTime: "07:00",
    slotMaxTime: "21:00",
    flexibleSlotTimeLimits: true,
    scrollTime: "08:00",
    slotDuration: "00:30",
    slotHeight: 36,
    snapDuration: "00:15",
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    nowIndicator: true,
    editable: config.canChange,
    eventStartEditable: config.canChange,
    eventDurationEditable: false,
    selectable: config.canBook || config.canBlock,
    eventContent: eventContent,
    eventClick: (info) => openBookingDialog(info.event),
    dateClick: (info) => {
      const end = new Date(info.date.getTime() + 60 * 60 * 1000);
      openSlot(info.date, end, info.resource);
    },
    select: (info) => {
      calendar.unselect();
      openSlot(info.start, info.end, info.resource);
    },
    eventDrop: eventDrop,
    datesSet: (info) => {
      // Keep the address (reload, back) and the table view on the day or week shown.
      const span = VIEWS.week === info.view.type ? "week" : "day";
      const query = `?span=${span}&date=${isoDate(info.start)}`;
      window.history.replaceState(null, "", query);
      tableLink.href = `${query}&layout=table`;
      document.getElementById("cal-title").textContent = info.view.title;
      for (const button of nav.querySelectorAll("[data-view]")) {
        button.setAttribute("aria-pressed", String(button.dataset.view === span));
      }
    },
  });

  // The widget marks its grid up as an ARIA table but puts the bookings (<article>) straight
  // into its rows' groups, which is no valid table (axe: aria-required-children). Its
  // half-built table semantics are removed; the accessible table of the same bookings is the
  // "table view" link (?layout=table), and each booking stays a focusable button.
  const TABLE_ROLES = ["table", "rowgroup", "row", "columnheader", "rowheader", "cell"];
  const TABLE_ATTRIBUTES = ["aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount"];
  const TABLE_SELECTOR = [
    ...TABLE_ROLES.map((role) => `[role=${role}]`),
    ...TABLE_ATTRIBUTES.map((name) => `[${name}]`),
  ].join(",");
  const stripTableSemantics = () => {
    for (const element of [root, ...root.querySelectorAll(TABLE_SELECTOR)]) {
      if (TABLE_ROLES.includes(element.getAttribute("role"))) {
        element.removeAttribute("role");
      }
      for (const name of TABLE_ATTRIBUTES) {
        element.removeAttribute(name);
      }
    }
  };
  stripTableSemantics();
  new MutationObserver(stripTableSemantics).observe(root, {
    subtree: true,
    childList: true,
    attributeFilter: ["role", ...TABLE_ATTRIBUTES],
  });

  nav.hidden = false;
  nav.querySelector("[data-nav=prev]").addEventListener("click", () => calendar.prev());
  nav.querySelector("[data-nav=next]").addEventListener("click", () => calendar.next());
  nav.querySelector("[data-nav=today]").addEventListener("click", () => {
    calendar.setOption("date", new Date());
  });
  for (const button of nav.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => calendar.setOption("view", VIEWS[button.dataset.view]));
  }

  for (const form of [phoneForm, blockForm]) {
    if (form) {
      form.addEventListener("submit", submitDialogForm);
    }
  }
  for (const button of slotDialog.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  for (const button of bookingDialog.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => runAction(button.dataset.action, new FormData()));
  }
  cancelForm.addEventListener("submit", (event) => {
    event.preventDefault();
    runAction("cancel", new FormData(cancelForm));
  });
})();
