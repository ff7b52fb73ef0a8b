'use strict';
// What every generated method calls: one place for the JS side of the
// narrow waist (params to wire names, AbortSignal, error classes, streams,
// pagination, the helpers). Nothing here is per operation: index.js (generated
// from the spec by crates/codegen) holds the names, this file the behaviour.
const { load } = require('./native');
const { fromNative, invalidArgument } = require('./errors');

const DONE = Object.freeze({ done: true, value: undefined });

function rethrow(e) {
  throw fromNative(e);
}

function parse(text) {
  return JSON.parse(text);
}

function abortReason(signal) {
  if (signal.reason !== undefined) return signal.reason;
  if (typeof DOMException === 'function') return new DOMException('This operation was aborted', 'AbortError');
  const e = new Error('This operation was aborted');
  e.name = 'AbortError';
  return e;
}

function checkSignal(signal) {
  if (signal == null) return undefined;
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalidArgument('signal', '`signal` must be an AbortSignal');
  }
  return signal;
}

// One 'abort' listener per signal, whatever the number of calls sharing it
// (EventTarget warns past 10 listeners): it runs each call's callback.
const watchers = new WeakMap();

/** Calls `cb` when `signal` aborts; returns the function that stops watching. */
function watch(signal, cb) {
  let set = watchers.get(signal);
  if (set === undefined) {
    const callbacks = new Set();
    set = callbacks;
    watchers.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        for (const f of callbacks) f();
        callbacks.clear();
      },
      { once: true },
    );
  }
  set.add(cb);
  return () => set.delete(cb);
}

/**
 * Runs `start(cancelToken?)` (a native promise) under an optional
 * AbortSignal: an abort cancels the native work (dropping its connection)
 * and rejects with the signal's reason, as `fetch` does.
 */
function run(signal, start, given) {
  if (signal == null) return start(given).then(undefined, rethrow);
  if (signal.aborted) return Promise.reject(abortReason(signal));
  const token = given || new (load().CancelToken)();
  return new Promise((resolve, reject) => {
    const unwatch = watch(signal, () => {
      token.cancel();
      reject(abortReason(signal));
    });
    start(token).then(
      (v) => {
        unwatch();
        resolve(v);
      },
      (e) => {
        unwatch();
        reject(fromNative(e));
      },
    );
  });
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Options (camelCase keys) to the wire params of `operation`: `table` maps
 * each accepted key to its wire name; `fixed` (path params, fixed params)
 * is merged last. An unknown key is an InvalidArgumentError naming it.
 */
function toWire(operation, params, table, fixed) {
  const out = {};
  if (params != null) {
    if (!isPlainObject(params)) throw invalidArgument('params', `${operation}: the options must be an object`);
    for (const key of Object.keys(params)) {
      const value = params[key];
      if (key === 'signal' || value === undefined) continue;
      const wire = table[key];
      if (wire === undefined) {
        const known = Object.keys(table);
        throw invalidArgument(key, `${operation} has no option \`${key}\` (it takes: ${known.concat('signal').join(', ')})`);
      }
      out[wire] = value;
    }
  }
  if (fixed !== undefined) {
    for (const key of Object.keys(fixed)) {
      if (fixed[key] !== undefined) out[key] = fixed[key];
    }
  }
  return out;
}

const SNAKE = /_([a-z0-9])/g;
function camelKey(k) {
  return k.replace(SNAKE, (_, c) => c.toUpperCase());
}

/** snake_case keys to camelCase, for the helpers' own results (not API models). */
function camelize(v) {
  if (Array.isArray(v)) return v.map(camelize);
  if (!isPlainObject(v)) return v;
  const out = {};
  for (const k of Object.keys(v)) out[camelKey(k)] = k === 'raw' ? v[k] : camelize(v[k]);
  return out;
}

function checkKeys(what, options, known) {
  if (options == null) return {};
  if (!isPlainObject(options)) throw invalidArgument('options', `${what}: the options must be an object`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw invalidArgument(k, `${what} has no option \`${k}\` (it takes: ${known.join(', ')})`);
  }
  return options;
}

function checkPath(path) {
  if (typeof path !== 'string' || path === '') throw invalidArgument('path', '`path` must be a folder path (a non-empty string)');
  return path;
}

function checkMs(field, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw invalidArgument(field, `\`${field}\` must be a positive number of milliseconds, got ${String(v)}`);
  }
  return v;
}

/**
 * An async iterable over a native stream. `break` (the iterator's
 * `return()`), `close()` and an aborted signal close the connection.
 */
class EventStream {
  constructor(native, signal, error) {
    this._native = native;
    this._closed = native == null;
    this._error = error;
    this._abortReason = undefined;
    this._unwatch = undefined;
    if (signal != null && native != null) {
      if (signal.aborted) {
        this._abortReason = abortReason(signal);
      } else {
        this._unwatch = watch(signal, () => {
          this._abortReason = abortReason(signal);
          this._release();
        });
      }
    }
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Called with each raw item (JSON value); returns what the iterator yields. */
  _map(item) {
    return item;
  }

  async next() {
    if (this._error !== undefined) {
      const e = this._error;
      this._error = undefined;
      this.close();
      throw e;
    }
    if (this._abortReason !== undefined) return this._throwAbort();
    if (this._closed) return DONE;
    let text;
    try {
      text = await this._native.next();
    } catch (e) {
      this.close();
      if (this._abortReason !== undefined) return this._throwAbort();
      throw fromNative(e);
    }
    if (this._abortReason !== undefined) return this._throwAbort();
    if (text === null) {
      this.close();
      return DONE;
    }
    return { done: false, value: this._map(JSON.parse(text)) };
  }

  _throwAbort() {
    const r = this._abortReason;
    this._abortReason = undefined;
    this.close();
    throw r;
  }

  /** `break` in `for await` lands here: the connection is closed. */
  async return(value) {
    this.close();
    return { done: true, value };
  }

  _release() {
    if (this._native != null) this._native.close();
    this._closed = true;
  }

  /** Closes the stream and its connection (idempotent). */
  close() {
    if (this._unwatch !== undefined) {
      this._unwatch();
      this._unwatch = undefined;
    }
    if (!this._closed) this._release();
  }
}

/** The chat reply as it streams: chunks, plus what was seen so far. */
class ChatStream extends EventStream {
  constructor(native, signal, error) {
    super(native, signal, error);
    /** The reply so far. */
    this.content = '';
    this.finishReason = null;
    this.conversationId = null;
    this.chunks = 0;
  }

  _map(c) {
    const chunk = {
      content: c.content,
      finishReason: c.finish_reason == null ? null : c.finish_reason,
      conversationId: c.conversation_id == null ? null : c.conversation_id,
      id: c.id == null ? null : c.id,
      model: c.model == null ? null : c.model,
      raw: c.raw,
    };
    this.content += chunk.content;
    this.chunks += 1;
    if (chunk.finishReason !== null) this.finishReason = chunk.finishReason;
    if (chunk.conversationId !== null) this.conversationId = chunk.conversationId;
    return chunk;
  }

  /** Reads the rest of the stream and returns the whole reply. */
  async finalReply() {
    // eslint-disable-next-line no-unused-vars
    for await (const _ of this) {
      // the chunks accumulate in this.content
    }
    return { content: this.content, finishReason: this.finishReason, conversationId: this.conversationId, chunks: this.chunks };
  }
}

/** A function's log lines as they are written (strings). */
class LogStream extends EventStream {}

/**
 * One page (awaitable) that is also every item (async iterable), fetched a
 * page at a time by offset. Nothing is requested until it is awaited or
 * iterated.
 */
class PagePromise {
  constructor(core, operation, wire, signal, spec) {
    this._core = core;
    this._operation = operation;
    this._wire = wire;
    this._signal = signal;
    this._spec = spec;
    this._first = undefined;
  }

  _page() {
    if (this._first === undefined) this._first = this._core.callWire(this._operation, this._wire, this._signal);
    return this._first;
  }

  then(onFulfilled, onRejected) {
    return this._page().then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this._page().catch(onRejected);
  }

  finally(onFinally) {
    return this._page().finally(onFinally);
  }

  async *[Symbol.asyncIterator]() {
    const { items, total, offset: offsetKey } = this._spec;
    let offset = typeof this._wire[offsetKey] === 'number' ? this._wire[offsetKey] : 0;
    let page = await this._page();
    for (;;) {
      const list = Array.isArray(page[items]) ? page[items] : [];
      for (const item of list) yield item;
      offset += list.length;
      const t = page[total];
      if (list.length === 0 || (typeof t === 'number' && offset >= t)) return;
      page = await this._core.callWire(this._operation, { ...this._wire, [offsetKey]: offset }, this._signal);
    }
  }
}

const CLIENT_OPTIONS = ['apiKey', 'baseURL', 'timeout', 'totalTimeout', 'maxRetries', 'configFile'];
/** The core's config field -> this constructor's option. */
const CONFIG_FIELDS = { api_key: 'apiKey', base_url: 'baseURL', timeout: 'timeout', total_timeout: 'totalTimeout', max_retries: 'maxRetries', config_file: 'configFile' };

/** The client's engine: one native client, shared by every group. */
class Core {
  constructor(options) {
    const o = checkKeys('FlowEngine', options, CLIENT_OPTIONS);
    for (const k of ['apiKey', 'baseURL', 'configFile']) {
      if (o[k] != null && typeof o[k] !== 'string') throw invalidArgument(k, `\`${k}\` must be a string`);
    }
    if (o.maxRetries != null && !(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) {
      throw invalidArgument('maxRetries', `\`maxRetries\` must be a whole number >= 0, got ${String(o.maxRetries)}`);
    }
    const config = {
      apiKey: o.apiKey == null ? undefined : o.apiKey,
      baseUrl: o.baseURL == null ? undefined : o.baseURL,
      timeout: checkMs('timeout', o.timeout),
      totalTimeout: checkMs('totalTimeout', o.totalTimeout),
      maxRetries: o.maxRetries == null ? undefined : o.maxRetries,
      configFile: o.configFile == null ? undefined : o.configFile,
    };
    try {
      this._native = new (load().NativeClient)(config);
    } catch (e) {
      const err = fromNative(e);
      // The core names its config fields; the error names the option as passed here.
      if (err.field != null && CONFIG_FIELDS[err.field]) err.field = CONFIG_FIELDS[err.field];
      throw err;
    }
  }

  get baseURL() {
    return this._native.baseUrl;
  }

  /** A generated method's call: options -> wire params -> native call -> JSON. */
  call(operation, params, table, fixed) {
    let signal;
    let text;
    try {
      signal = checkSignal(params == null ? undefined : params.signal);
      text = JSON.stringify(toWire(operation, params, table, fixed));
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal === undefined) return this._native.call(operation, text).then(parse, rethrow);
    return run(signal, (token) => this._native.call(operation, text, token)).then(parse);
  }

  /** Params already keyed by wire names (pagination, `FlowEngine.call`). */
  callWire(operation, wire, signal) {
    let text;
    try {
      checkSignal(signal);
      if (wire != null && !isPlainObject(wire)) throw invalidArgument('params', 'params must be an object');
      text = JSON.stringify(wire == null ? {} : wire);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal == null) return this._native.call(operation, text).then(parse, rethrow);
    return run(signal, (token) => this._native.call(operation, text, token)).then(parse);
  }

  /** A stream method: `items` is `chat_chunks` or `log_lines`. */
  stream(operation, params, table, fixed, items) {
    const Class = items === 'chat_chunks' ? ChatStream : LogStream;
    try {
      const signal = checkSignal(params == null ? undefined : params.signal);
      const text = JSON.stringify(toWire(operation, params, table, fixed));
      return new Class(this._native.stream(operation, text), signal);
    } catch (e) {
      return new Class(undefined, undefined, fromNative(e));
    }
  }

  streamWire(operation, wire, signal) {
    const Class = operation === 'chat' ? ChatStream : LogStream;
    try {
      checkSignal(signal);
      return new Class(this._native.stream(operation, JSON.stringify(wire == null ? {} : wire)), signal);
    } catch (e) {
      return new Class(undefined, undefined, fromNative(e));
    }
  }

  /** A `collect` method: the stream gathered into one reply. */
  collect(operation, params, table, fixed, items) {
    if (items !== 'chat_chunks') return Promise.reject(invalidArgument('operation', `cannot collect ${items}`));
    return this.stream(operation, params, table, fixed, items).finalReply();
  }

  /** A paginated list: awaitable for one page, async iterable for every item. */
  paginate(operation, params, table, fixed, spec) {
    let signal;
    let wire;
    try {
      signal = checkSignal(params == null ? undefined : params.signal);
      wire = toWire(operation, params, table, fixed);
    } catch (e) {
      const failed = Promise.reject(e);
      failed.catch(() => {});
      return new PagePromise({ callWire: () => failed }, operation, {}, undefined, spec);
    }
    return new PagePromise(this, operation, wire, signal, spec);
  }

  deployFolder(functionId, path, options) {
    let o;
    let signal;
    let text;
    try {
      o = checkKeys('deployFolder', options, ['wait', 'onProgress', 'pollInterval', 'waitTimeout', 'ignore', 'signal']);
      checkPath(path);
      signal = checkSignal(o.signal);
      if (o.onProgress != null && typeof o.onProgress !== 'function') throw invalidArgument('onProgress', '`onProgress` must be a function');
      if (o.wait != null && typeof o.wait !== 'boolean') throw invalidArgument('wait', '`wait` must be a boolean');
      text = JSON.stringify({
        wait: o.wait,
        pollInterval: checkMs('pollInterval', o.pollInterval),
        waitTimeout: checkMs('waitTimeout', o.waitTimeout),
        ignore: o.ignore,
      });
    } catch (e) {
      return Promise.reject(e);
    }
    const user = o.onProgress;
    if (user == null) {
      return run(signal, (token) => this._native.deployFolder(functionId, path, text, undefined, token)).then((t) => camelize(parse(t)));
    }
    // A throwing onProgress stops the deploy (locally) and rejects with its error.
    const token = new (load().CancelToken)();
    let thrown;
    const onProgress = (t) => {
      if (thrown !== undefined) return;
      try {
        user(camelize(parse(t)));
      } catch (e) {
        thrown = { error: e };
        token.cancel();
      }
    };
    const done = run(signal, (t) => this._native.deployFolder(functionId, path, text, onProgress, t), token);
    return done.then(
      (t) => {
        if (thrown !== undefined) throw thrown.error;
        return camelize(parse(t));
      },
      (e) => {
        throw thrown !== undefined ? thrown.error : e;
      },
    );
  }

  uploadFolder(path, options) {
    let o;
    let signal;
    let text;
    try {
      o = checkKeys('uploadFolder', options, ['name', 'runtime', 'ignore', 'signal']);
      checkPath(path);
      signal = checkSignal(o.signal);
      text = JSON.stringify({ name: o.name, runtime: o.runtime, ignore: o.ignore });
    } catch (e) {
      return Promise.reject(e);
    }
    return run(signal, (token) => this._native.uploadFolder(path, text, token)).then(parse);
  }
}

/** Checks a folder against the limits (dry run) or packs it; no client or key needed. */
function packFolder(path, options) {
  let o;
  let signal;
  let text;
  try {
    o = checkKeys('packFolder', options, ['dryRun', 'output', 'ignore', 'signal']);
    checkPath(path);
    signal = checkSignal(o.signal);
    if (o.output != null && typeof o.output !== 'string') throw invalidArgument('output', '`output` must be a file path');
    text = JSON.stringify({ dryRun: o.dryRun === true, output: o.output, ignore: o.ignore });
  } catch (e) {
    return Promise.reject(e);
  }
  return run(signal, (token) => load().packFolder(path, text, token)).then((r) => {
    const out = camelize(parse(r.summary));
    if (r.tarball != null) out.tarball = r.tarball;
    return out;
  });
}

module.exports = { Core, EventStream, ChatStream, LogStream, PagePromise, packFolder, camelize };
