// A small OpenAPI renderer: one collapsible entry per operation, grouped by tag. No dependencies.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function resolve(doc, schema) {
  const ref = schema && schema.$ref;
  if (!ref) return schema;
  return ref.split("/").slice(1).reduce((node, key) => node[key], doc);
}

function schemaBlock(doc, schema) {
  return el("pre", {}, JSON.stringify(resolve(doc, schema), null, 2));
}

function operationView(doc, path, method, op) {
  const body = el("div", { class: "body" }, el("p", {}, op.description || ""));
  const params = op.parameters || [];
  if (params.length) {
    const rows = params.map((p) =>
      el("tr", {}, el("td", {}, p.name), el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"),
        el("td", {}, JSON.stringify(p.schema || {}))));
    body.append(el("h3", {}, "Parameters"), el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "required"),
        el("th", {}, "schema"))), el("tbody", {}, ...rows)));
  }
  const request = op.requestBody && op.requestBody.content["application/json"];
  if (request) body.append(el("h3", {}, "JSON body"), schemaBlock(doc, request.schema));
  for (const [status, response] of Object.entries(op.responses || {})) {
    body.append(el("h3", {}, `${status} — ${response.description || ""}`));
    const content = response.content && Object.values(response.content)[0];
    if (content && Number(status) < 400) body.append(schemaBlock(doc, content.schema));
  }
  const role = op["x-role"] ? `role: ${op["x-role"]}` : "";
  const summary = el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()),
    el("span", { class: "path" }, path), el("span", {}, op.summary || ""), el("span", { class: "role" }, role));
  const details = el("details", { "data-search": `${method} ${path} ${op.summary || ""} ${op.operationId || ""}`.toLowerCase() }, summary, body);
  return details;
}

async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("title").textContent = doc.info.title;
  document.title = doc.info.title;
  document.getElementById("intro").textContent = doc.info.description || "";
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operationView(doc, path, method, op));
    }
  }
  const main = document.getElementById("ops");
  for (const tag of [...groups.keys()].sort()) {
    main.append(el("section", {}, el("h2", {}, tag), ...groups.get(tag)));
  }
  document.getElementById("filter").addEventListener("input", (event) => {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const node of main.querySelectorAll("details")) {
      node.hidden = !words.every((w) => node.dataset.search.includes(w));
    }
  });
}

main().catch((error) => {
  document.getElementById("intro").textContent = `Could not load the API description: ${error}`;
});
