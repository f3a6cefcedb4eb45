import { createLiveCollection, type LiveChange, type LiveCollection } from '../client/index.js';
import type { Product } from '../contract/product.js';

// The live page: the product table kept by the client library's live collection, the connection
// state, a form that creates a product through the API, and a log of recent events. Served by the
// API at /live/ (same origin, so the form needs no CORS); the relay's URL comes from `?relay=`
// (default: this host, port 8765). With auth on, the token comes from `?token=` or the token field:
// it is sent to the relay as `access_token` and to the API as a Bearer header.

const params = new URLSearchParams(location.search);
const apiUrl = params.get('api') ?? location.origin;
const relayUrl = params.get('relay') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:8765/`;
let token = params.get('token') ?? sessionStorage.getItem('live-page-token') ?? '';

const LOG_LINES = 50;
const MARK_MS = 5_000;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const tbody = element<HTMLTableSectionElement>('products');
const status = element<HTMLSpanElement>('status');
const count = element<HTMLSpanElement>('count');
const log = element<HTMLOListElement>('log');
const createForm = element<HTMLFormElement>('create');
const authForm = element<HTMLFormElement>('auth');
const formResult = element<HTMLSpanElement>('form-result');
element<HTMLSpanElement>('relay-url').textContent = relayUrl;
(authForm.elements.namedItem('token') as HTMLInputElement).value = token;

const rows = new Map<string, HTMLTableRowElement>();

function cell(row: HTMLTableRowElement, name: string, text: string): void {
  const td = row.insertCell();
  td.className = name;
  td.textContent = text;
}

function fill(row: HTMLTableRowElement, product: Product): void {
  row.replaceChildren();
  cell(row, 'nombre', product.nombre);
  cell(row, 'precio', product.precio.toFixed(2));
  cell(row, 'talla', product.talla);
  cell(row, 'id', product.id.slice(-6));
  cell(row, 'updated', new Date(product.updatedAt).toLocaleTimeString());
}

function mark(row: HTMLTableRowElement, kind: 'new' | 'changed'): void {
  row.classList.remove('new', 'changed');
  void row.offsetWidth; // restart the highlight animation
  row.classList.add(kind);
  const stamp = String(Date.now());
  row.dataset.marked = stamp;
  setTimeout(() => {
    if (row.dataset.marked === stamp) row.classList.remove(kind);
  }, MARK_MS);
}

function newRow(product: Product): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.id = product.id;
  fill(row, product);
  rows.set(product.id, row);
  return row;
}

function renderAll(products: ReadonlyMap<string, Product>): void {
  rows.clear();
  const newestFirst = [...products.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  tbody.replaceChildren(...newestFirst.map(newRow));
}

function addLog(text: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(item);
  while (log.children.length > LOG_LINES) log.lastElementChild?.remove();
}

function apply(products: ReadonlyMap<string, Product>, change: LiveChange | undefined): void {
  count.textContent = String(products.size);
  if (!change || change.kind === 'snapshot') {
    renderAll(products);
    if (change) addLog(`snapshot loaded: ${change.count} products${change.reason ? ` (after reset: ${change.reason})` : ''}`);
    return;
  }
  const op = change.event.op;
  if (change.kind === 'delete') {
    rows.get(change.id)?.remove();
    rows.delete(change.id);
    addLog(`${op} ${change.id}`);
    return;
  }
  const existing = rows.get(change.id);
  if (existing) {
    fill(existing, change.product);
    mark(existing, 'changed');
  } else {
    const row = newRow(change.product);
    tbody.prepend(row);
    mark(row, 'new');
  }
  addLog(`${op} ${change.product.nombre} — ${change.product.precio.toFixed(2)} (${change.product.talla})`);
}

let live: LiveCollection | undefined;

function start(): void {
  void live?.stop();
  const collection = createLiveCollection({ apiUrl, relayUrl, token: () => token || undefined });
  live = collection;
  collection.on('status', (state) => {
    if (live !== collection) return;
    status.textContent = state;
    status.dataset.status = state;
  });
  collection.on('reset', (reason, message) => addLog(`reset (${reason}): ${message} — reloading the snapshot`));
  collection.on('error', ({ message, retry }) => addLog(`snapshot failed: ${message}${retry ? '; retrying' : ''}`));
  collection.ready.catch((error: Error) => live === collection && addLog(`stopped: ${error.message}`));
  collection.subscribe((products, change) => live === collection && apply(products, change));
}

createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(createForm);
  const body = { nombre: String(data.get('nombre') ?? ''), precio: Number(data.get('precio')), talla: String(data.get('talla') ?? '') };
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() };
  if (token) headers.Authorization = `Bearer ${token}`;
  formResult.textContent = 'creating…';
  fetch(new URL('/api/product/', apiUrl), { method: 'POST', headers, body: JSON.stringify(body) })
    .then(async (response) => {
      const answer = (await response.json().catch(() => ({}))) as { nombre?: string; detail?: string; title?: string };
      formResult.dataset.ok = String(response.ok);
      formResult.textContent = response.ok
        ? `created ${answer.nombre ?? ''}`
        : `${response.status}: ${answer.detail ?? answer.title ?? 'refused'}`;
    })
    .catch((error: Error) => {
      formResult.dataset.ok = 'false';
      formResult.textContent = `cannot reach the API: ${error.message}`;
    });
});

authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  token = (authForm.elements.namedItem('token') as HTMLInputElement).value.trim();
  sessionStorage.setItem('live-page-token', token);
  addLog(token ? 'token set: reconnecting' : 'token cleared: reconnecting');
  start();
});

start();
