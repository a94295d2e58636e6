// partnerkb's HTML export: draws the timeline, the partner network and the event cards from the
// page's JSON data block. Store text is only ever set with textContent or as an attribute value.
(function () {
  "use strict";
  var started = performance.now();
  var SVG = "http://www.w3.org/2000/svg";
  var DATA = JSON.parse(document.getElementById("partnerkb-data").textContent);
  var STATUSES = ["happened", "ongoing", "planned", "requested", "overdue", "postponed", "cancelled"];
  var PENDING = ["planned", "requested", "postponed"];  // overdue once their latest day has passed
  var MAX_NODES = 80, LABELLED_NODES = 25, FIRST_CARDS = 60, MORE_CARDS = 200, MAX_LANES = 60;
  var today = new Date().toISOString().slice(0, 10);

  // events as objects, their display status worked out once: a planned (or postponed) event whose
  // latest possible day has passed is overdue
  var events = DATA.events.map(function (r) {
    var e = { id: r[0], title: r[1], kind: r[2], status: r[3], edtf: r[4], label: r[5],
      earliest: r[6], latest: r[7], span: r[8], flags: r[9], participants: r[10],
      organizations: r[11], place: r[12], cites: r[13], summary: r[14], phrase: r[15] };
    e.shown = e.status;
    if (PENDING.indexOf(e.status) >= 0 && e.latest && e.latest < today) { e.shown = "overdue"; }
    if (STATUSES.indexOf(e.shown) < 0) { STATUSES.push(e.shown); }  // a status this page does not know
    return e;
  });
  var entities = DATA.entities.map(function (r) { return { id: r[0], label: r[1], kind: r[2] }; });
  var sources = DATA.sources.map(function (r) {
    return { id: r[0], outlet: r[1], title: r[2], published: r[3], url: r[4] };
  });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) { for (var k in attrs) { node.setAttribute(k, attrs[k]); } }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    return node;
  }
  function plural(n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); }
  function dayNumber(iso) { return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 864e5; }

  // -- the page's frame ---------------------------------------------------------------------------
  var header = el("header");
  header.appendChild(el("h1", null, DATA.title));
  var countLine = el("p", { "class": "summary-line" });
  header.appendChild(countLine);
  document.body.appendChild(header);
  var main = el("main");
  document.body.appendChild(main);

  var form = el("form", { "class": "filters", "id": "filters" });
  function field(labelText, input) {
    var label = el("label", null, labelText);
    label.appendChild(input);
    form.appendChild(label);
    return input;
  }
  var entityInput = field("Entity", el("input", { type: "text", list: "entity-names", id: "f-entity",
    placeholder: "name or id" }));
  var names = el("datalist", { id: "entity-names" });
  entities.slice().sort(function (a, b) { return a.label.localeCompare(b.label); })
    .forEach(function (x) { names.appendChild(el("option", { value: x.label })); });
  form.appendChild(names);
  var kindSelect = field("Kind", el("select", { id: "f-kind" }));
  kindSelect.appendChild(el("option", { value: "" }, "any kind"));
  Array.from(new Set(events.map(function (e) { return e.kind; }))).sort().forEach(function (k) {
    kindSelect.appendChild(el("option", { value: k }, k));
  });
  var sinceInput = field("From (YYYY, YYYY-MM or YYYY-MM-DD)", el("input", { type: "text", id: "f-since", size: "10" }));
  var untilInput = field("Until", el("input", { type: "text", id: "f-until", size: "10" }));
  var statusBoxes = {};
  var statusSet = el("fieldset");
  statusSet.appendChild(el("legend", { "class": "note" }, "Status"));
  STATUSES.forEach(function (s) {
    var label = el("label");
    var box = el("input", { type: "checkbox", id: "f-" + s });
    box.checked = true;
    statusBoxes[s] = box;
    label.appendChild(box);
    label.appendChild(document.createTextNode(s));
    statusSet.appendChild(label);
  });
  form.appendChild(statusSet);
  var reset = el("button", { type: "button" }, "Clear filters");
  form.appendChild(reset);
  var filterNote = el("p", { "class": "note", id: "filter-note" });
  main.appendChild(form);
  main.appendChild(filterNote);

  main.appendChild(el("h2", null, "Timeline"));
  main.appendChild(legend());
  var timeline = el("div", { "class": "panel", id: "timeline" });
  main.appendChild(timeline);
  main.appendChild(el("p", { "class": "note" }, "Each mark spans the days its date allows: a day, " +
    "a month, a year, a window. An open-ended date (\u201con or before\u201d, \u201cfrom\u201d) fades " +
    "towards its unknown end; approximate or uncertain dates are pale. Click a mark for its card."));
  main.appendChild(el("h2", null, "Network"));
  var networkNote = el("p", { "class": "note", id: "network-note" });
  main.appendChild(networkNote);
  var network = el("div", { "class": "panel", id: "network" });
  main.appendChild(network);
  main.appendChild(el("h2", null, "Events"));
  var selectedBox = el("div", { id: "selected" });
  main.appendChild(selectedBox);
  var cards = el("div", { id: "cards" });
  main.appendChild(cards);
  var more = el("button", { type: "button", id: "more-cards" }, "Show more");
  main.appendChild(more);
  var tip = el("div", { "class": "tip", role: "tooltip" });
  document.body.appendChild(tip);

  function legend() {
    var box = el("div", { "class": "legend", id: "legend" });
    STATUSES.forEach(function (s) {
      var item = el("span");
      var pic = svg("svg", { width: "22", height: "10" });
      pic.appendChild(svg("rect", { x: "1", y: "1", width: "20", height: "8", "class": "mark " + s }));
      item.appendChild(pic);
      item.appendChild(document.createTextNode(s === "overdue" ? "overdue (pending, date passed)" : s));
      box.appendChild(item);
    });
    var approx = el("span");
    var pic = svg("svg", { width: "22", height: "10" });
    pic.appendChild(svg("rect", { x: "1", y: "1", width: "20", height: "8", "class": "mark happened approx" }));
    approx.appendChild(pic);
    approx.appendChild(document.createTextNode("approximate / uncertain"));
    box.appendChild(approx);
    return box;
  }

  // -- filters ------------------------------------------------------------------------------------
  function bound(text, end) {
    text = text.trim();
    var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
    if (!m) { return null; }
    if (m[3]) { return text; }
    if (m[2]) {
      if (!end) { return text + "-01"; }
      var last = new Date(Date.UTC(+m[1], +m[2], 0)).getUTCDate();
      return text + "-" + String(last).padStart(2, "0");
    }
    return text + (end ? "-12-31" : "-01-01");
  }
  function matchingEntities(text) {
    text = text.trim().toLowerCase();
    if (!text) { return null; }
    var exact = [], partial = [];
    entities.forEach(function (x, i) {
      var label = x.label.toLowerCase();
      if (label === text || x.id === text) { exact.push(i); }
      else if (label.indexOf(text) >= 0) { partial.push(i); }
    });
    return new Set(exact.length ? exact : partial);
  }
  function filtered() {
    var wanted = matchingEntities(entityInput.value);
    var kind = kindSelect.value;
    var since = sinceInput.value.trim() ? bound(sinceInput.value, false) : "";
    var until = untilInput.value.trim() ? bound(untilInput.value, true) : "";
    var notes = [];
    if (since === null) { notes.push("\u201c" + sinceInput.value + "\u201d is not a date: From is ignored"); since = ""; }
    if (until === null) { notes.push("\u201c" + untilInput.value + "\u201d is not a date: Until is ignored"); until = ""; }
    if (wanted && wanted.size === 0) { notes.push("no entity is named \u201c" + entityInput.value + "\u201d"); }
    filterNote.textContent = notes.join("; ");
    return events.filter(function (e) {
      if (!statusBoxes[e.shown].checked) { return false; }
      if (kind && e.kind !== kind) { return false; }
      if (since && e.latest && e.latest < since) { return false; }
      if (until && e.earliest && e.earliest > until) { return false; }
      if (wanted) {
        var hit = e.participants.some(function (p) { return wanted.has(p[0]); }) ||
          e.organizations.some(function (o) { return wanted.has(o); }) || wanted.has(e.place);
        if (!hit) { return false; }
      }
      return true;
    });
  }

  // -- the timeline -------------------------------------------------------------------------------
  function drawTimeline(list) {
    timeline.textContent = "";
    var width = Math.max(640, timeline.clientWidth || 1200), left = 10, right = 10, top = 22;
    if (!list.length) { timeline.appendChild(el("p", { "class": "note" }, "No event matches.")); return; }
    var lo = Infinity, hi = -Infinity;
    list.forEach(function (e) {
      var a = e.earliest || e.latest, b = e.latest || e.earliest;
      if (a) { lo = Math.min(lo, dayNumber(a)); }
      if (b) { hi = Math.max(hi, dayNumber(b) + 1); }
    });
    var pad = Math.max(15, (hi - lo) * 0.03);
    lo -= pad; hi += pad;
    var scale = (width - left - right) / (hi - lo);
    function x(day) { return left + (day - lo) * scale; }
    var openLength = Math.max(40, 60 * scale);  // an open end fades over 40px, or 60 days
    var placed = list.map(function (e) {
      var x0, x1, open = "";
      if (!e.earliest) { open = "start"; x1 = x(dayNumber(e.latest) + 1); x0 = Math.max(left, x1 - openLength); }
      else if (!e.latest) { open = "end"; x0 = x(dayNumber(e.earliest)); x1 = Math.min(width - right, x0 + openLength); }
      else { x0 = x(dayNumber(e.earliest)); x1 = x(dayNumber(e.latest) + 1); }
      if (x1 - x0 < 4) { var mid = (x0 + x1) / 2; x0 = mid - 2; x1 = mid + 2; }
      return { e: e, x0: Math.round(x0), x1: Math.round(x1), open: open };
    });
    placed.sort(function (a, b) { return a.x0 - b.x0 || a.x1 - b.x1; });
    var lanes = [];
    placed.forEach(function (p) {
      var lane = -1;
      for (var i = 0; i < lanes.length; i++) { if (lanes[i] + 3 <= p.x0) { lane = i; break; } }
      if (lane < 0 && lanes.length < MAX_LANES) { lane = lanes.length; lanes.push(0); }
      if (lane < 0) {  // full: the lane that frees first (marks may overlap past MAX_LANES rows)
        lane = 0;
        for (var j = 1; j < lanes.length; j++) { if (lanes[j] < lanes[lane]) { lane = j; } }
      }
      lanes[lane] = Math.max(lanes[lane], p.x1);
      p.lane = lane;
    });
    var rowHeight = lanes.length > 30 ? 7 : 12, markHeight = rowHeight - 3;
    var height = top + lanes.length * rowHeight + 8;
    var pic = svg("svg", { width: String(width), height: String(height), role: "img",
      "aria-label": "timeline of " + plural(list.length, "event") });
    var defs = svg("defs", {});
    pic.appendChild(defs);
    STATUSES.forEach(function (s) {
      [["start", "0", "1"], ["end", "1", "0"]].forEach(function (g) {
        var grad = svg("linearGradient", { id: "fade-" + g[0] + "-" + s, x1: "0", x2: "1", y1: "0", y2: "0" });
        grad.appendChild(svg("stop", { offset: "0", "class": "stop-" + s, "stop-opacity": g[1] }));
        grad.appendChild(svg("stop", { offset: "1", "class": "stop-" + s, "stop-opacity": g[2] }));
        defs.appendChild(grad);
      });
    });
    var axis = svg("g", { "class": "axis" });
    var firstYear = new Date(lo * 864e5).getUTCFullYear(), lastYear = new Date(hi * 864e5).getUTCFullYear();
    var step = Math.max(1, Math.ceil((lastYear - firstYear + 1) / Math.max(1, (width / 70))));
    for (var year = firstYear; year <= lastYear + 1; year++) {
      var day = Date.UTC(year, 0, 1) / 864e5;
      if (day < lo || day > hi) { continue; }
      var xx = Math.round(x(day)) + 0.5;
      axis.appendChild(svg("line", { x1: xx, x2: xx, y1: 14, y2: height }));
      if ((year - firstYear) % step === 0) {
        var label = svg("text", { x: xx + 3, y: 11 });
        label.textContent = String(year);
        axis.appendChild(label);
      }
    }
    pic.appendChild(axis);
    var marks = svg("g", { id: "marks" });
    placed.forEach(function (p) {
      var e = p.e, y = top + p.lane * rowHeight;
      var cls = "mark " + e.shown + (e.flags ? " approx" : "") + (p.open ? " open-" + p.open : "");
      var rect = svg("rect", { x: p.x0, y: y, width: p.x1 - p.x0, height: markHeight, "class": cls,
        "data-id": e.id });
      if (p.open) {  // the colour of its status fading towards the unknown end, no outline
        rect.style.fill = "url(#fade-" + p.open + "-" + e.shown + ")";
        rect.style.stroke = "none";
      }
      rect.addEventListener("mousemove", function (ev) { showTip(ev, e); });
      rect.addEventListener("mouseleave", hideTip);
      rect.addEventListener("click", function () { select(e); });
      marks.appendChild(rect);
      if (e.shown === "cancelled") {
        marks.appendChild(svg("line", { x1: p.x0, x2: p.x1, y1: y + markHeight / 2, y2: y + markHeight / 2, "class": "strike" }));
      }
    });
    pic.appendChild(marks);
    timeline.appendChild(pic);
  }

  function showTip(ev, e) {
    tip.textContent = e.label + " \u00b7 " + e.shown + " \u00b7 " + e.title;
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 440) + "px";
    tip.style.top = ev.clientY + 14 + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  // -- the network --------------------------------------------------------------------------------
  function drawNetwork(list) {
    network.textContent = "";
    var pairs = new Map(), weight = new Map();
    list.forEach(function (e) {
      if (e.status === "cancelled") { return; }
      var people = Array.from(new Set(e.participants.map(function (p) { return p[0]; }))).sort(function (a, b) { return a - b; });
      var happened = e.status === "happened" || e.status === "ongoing";
      for (var i = 0; i < people.length; i++) {
        for (var j = i + 1; j < people.length; j++) {
          var key = people[i] + "," + people[j];
          var pair = pairs.get(key);
          if (!pair) { pair = { a: people[i], b: people[j], met: 0, planned: 0 }; pairs.set(key, pair); }
          if (happened) { pair.met++; } else { pair.planned++; }
          var w = happened ? 1 : 0.25;
          weight.set(people[i], (weight.get(people[i]) || 0) + w);
          weight.set(people[j], (weight.get(people[j]) || 0) + w);
        }
      }
    });
    var ranked = Array.from(weight.keys()).sort(function (a, b) {
      return weight.get(b) - weight.get(a) || entities[a].label.localeCompare(entities[b].label);
    });
    var kept = ranked.slice(0, MAX_NODES);
    var index = new Map(kept.map(function (n, i) { return [n, i]; }));
    var links = [];
    pairs.forEach(function (p) { if (index.has(p.a) && index.has(p.b)) { links.push(p); } });
    networkNote.textContent = ranked.length ?
      (ranked.length > kept.length ? "The " + kept.length + " most connected of " + plural(ranked.length, "participant") +
        " (filter to see others). " : plural(ranked.length, "participant") + ". ") +
      "A line joins two who took part in the same event; its width grows with the events that happened, " +
      "dashed where they have only planned ones." : "No two participants share an event here.";
    if (!kept.length) { return; }
    var width = Math.max(640, network.clientWidth || 1200), height = Math.min(620, 260 + kept.length * 5);
    var n = kept.length, pos = kept.map(function (_, i) {
      var angle = 2 * Math.PI * i / n, r = Math.min(width, height) * 0.38;
      return { x: width / 2 + r * Math.cos(angle), y: height / 2 + r * Math.sin(angle), dx: 0, dy: 0 };
    });
    // a spring-electric layout, fixed steps from a fixed start: the same picture every time
    var ideal = Math.sqrt(width * height / n) * 0.75;
    for (var step = 0; step < 250; step++) {
      var heat = ideal * 0.1 * (1 - step / 250) + 0.5;
      pos.forEach(function (p) { p.dx = 0; p.dy = 0; });
      for (var i = 0; i < n; i++) {
        for (var j = i + 1; j < n; j++) {
          var dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y, d2 = dx * dx + dy * dy + 0.01;
          var f = ideal * ideal / d2;
          pos[i].dx += dx * f; pos[i].dy += dy * f; pos[j].dx -= dx * f; pos[j].dy -= dy * f;
        }
      }
      links.forEach(function (l) {
        var a = pos[index.get(l.a)], b = pos[index.get(l.b)];
        var dx = a.x - b.x, dy = a.y - b.y, d = Math.sqrt(dx * dx + dy * dy) + 0.01;
        var f = d / ideal * Math.min(3, 1 + Math.log2(1 + l.met));
        a.dx -= dx * f; a.dy -= dy * f; b.dx += dx * f; b.dy += dy * f;
      });
      pos.forEach(function (p) {
        p.dx += (width / 2 - p.x) * 0.02; p.dy += (height / 2 - p.y) * 0.02;  // gravity
        var len = Math.sqrt(p.dx * p.dx + p.dy * p.dy) + 0.01, move = Math.min(len, heat);
        p.x = Math.min(width - 20, Math.max(20, p.x + p.dx / len * move));
        p.y = Math.min(height - 14, Math.max(14, p.y + p.dy / len * move));
      });
    }
    var pic = svg("svg", { width: String(width), height: String(height), role: "img",
      "aria-label": "network of " + plural(n, "participant") });
    var edges = svg("g", { id: "edges" });
    links.forEach(function (l) {
      var a = pos[index.get(l.a)], b = pos[index.get(l.b)];
      var line = svg("line", { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
        "class": "edge" + (l.met ? "" : " planned-only"),
        "stroke-width": l.met ? (1 + Math.log2(l.met)).toFixed(2) : "1" });
      var title = svg("title", {});
      title.textContent = entities[l.a].label + " \u2013 " + entities[l.b].label + ": " +
        (l.met ? plural(l.met, "event") + " happened" : "") + (l.met && l.planned ? ", " : "") +
        (l.planned ? plural(l.planned, "event") + " planned" : "");
      line.appendChild(title);
      edges.appendChild(line);
    });
    pic.appendChild(edges);
    var nodes = svg("g", { id: "nodes" });
    kept.forEach(function (id, i) {
      var x = entities[id], kind = ["person", "organization", "country", "place"].indexOf(x.kind) >= 0 ? x.kind : "other";
      var circle = svg("circle", { cx: pos[i].x.toFixed(1), cy: pos[i].y.toFixed(1),
        r: (3.5 + Math.sqrt(weight.get(id))).toFixed(1), "class": "node " + kind, "data-id": x.id });
      var title = svg("title", {});
      title.textContent = x.label + " (" + x.kind + ")";
      circle.appendChild(title);
      circle.addEventListener("click", function () { entityInput.value = x.label; render(); });
      nodes.appendChild(circle);
    });
    kept.slice(0, LABELLED_NODES).forEach(function (id, i) {
      var right = pos[i].x >= width / 2;  // labels point outwards, away from the crowd
      var text = svg("text", { x: (pos[i].x + (right ? 7 : -7)).toFixed(1), y: (pos[i].y + 4).toFixed(1),
        "class": "node-label", "text-anchor": right ? "start" : "end" });
      text.textContent = entities[id].label;
      nodes.appendChild(text);
    });
    pic.appendChild(nodes);
    network.appendChild(pic);
  }

  // -- cards --------------------------------------------------------------------------------------
  function card(e) {
    var box = el("article", { "class": "card " + e.shown, "data-id": e.id });
    var when = el("div", { "class": "when" }, e.label + " \u00b7 " + e.kind);
    when.appendChild(el("span", { "class": "badge " + e.shown }, e.shown));
    box.appendChild(when);
    box.appendChild(el("h3", null, e.title));
    if (e.participants.length) {
      box.appendChild(el("p", null, "Participants: " + e.participants.map(function (p) {
        var extra = [p[1], p[2]].filter(Boolean).join(", ");
        return entities[p[0]].label + (extra ? " (" + extra + ")" : "");
      }).join("; ")));
    }
    if (e.organizations.length) {
      box.appendChild(el("p", null, "Organizations: " + e.organizations.map(function (o) { return entities[o].label; }).join("; ")));
    }
    if (e.place >= 0) { box.appendChild(el("p", null, "Place: " + entities[e.place].label)); }
    if (e.phrase) { box.appendChild(el("p", null, "The source says \u201c" + e.phrase + "\u201d.")); }
    if (e.summary) { box.appendChild(el("p", null, e.summary)); }
    var list = el("ol", { "class": "sources" });
    e.cites.forEach(function (c) {
      var s = sources[c[0]], item = el("li");
      var text = s.outlet + (s.title ? ", \u201c" + s.title + "\u201d" : "") + (s.published ? ", " + s.published : "");
      if (s.url) {
        var link = el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, text);
        item.appendChild(link);
      } else { item.appendChild(document.createTextNode(text)); }
      if (c[1]) { item.appendChild(document.createTextNode(" \u2014 " + c[1])); }
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }
  var shownCards = [], cardCount = 0;
  function drawCards(list, count) {
    cards.textContent = "";
    shownCards = list;
    cardCount = Math.min(list.length, count);
    for (var i = 0; i < cardCount; i++) { cards.appendChild(card(list[i])); }
    more.hidden = cardCount >= list.length;
    more.textContent = "Show more (" + (list.length - cardCount).toLocaleString("en") + " left)";
  }
  more.addEventListener("click", function () { drawCards(shownCards, cardCount + MORE_CARDS); });
  function select(e) {
    selectedBox.textContent = "";
    var box = card(e);
    box.classList.add("selected");
    selectedBox.appendChild(box);
    selectedBox.scrollIntoView({ block: "nearest" });
  }

  // -- everything ---------------------------------------------------------------------------------
  function render() {
    var list = filtered();
    var counts = {};
    list.forEach(function (e) { counts[e.shown] = (counts[e.shown] || 0) + 1; });
    countLine.textContent = plural(list.length, "event") + (list.length !== events.length ? " of " + events.length.toLocaleString("en") : "") +
      (list.length ? " (" + STATUSES.filter(function (s) { return counts[s]; }).map(function (s) { return counts[s] + " " + s; }).join(", ") + ")" : "") +
      ", from partnerkb; dates keep their precision.";
    drawTimeline(list);
    drawNetwork(list);
    selectedBox.textContent = "";
    drawCards(list, FIRST_CARDS);
    document.body.setAttribute("data-rendered", String(list.length));
  }
  [entityInput, kindSelect, sinceInput, untilInput].forEach(function (input) { input.addEventListener("change", render); });
  STATUSES.forEach(function (s) { statusBoxes[s].addEventListener("change", render); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); render(); });
  reset.addEventListener("click", function () {
    entityInput.value = ""; kindSelect.value = ""; sinceInput.value = ""; untilInput.value = "";
    STATUSES.forEach(function (s) { statusBoxes[s].checked = true; });
    render();
  });
  render();
  window.partnerkbRenderMs = performance.now() - started;
})();
