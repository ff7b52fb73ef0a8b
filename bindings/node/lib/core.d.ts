// Hand-written types of the `flowengine` package (lib/core.js): options,
// streams, pagination and the folder helpers. Generated types: ../index.d.ts.

/** What `signal` accepts: an `AbortSignal` (from `new AbortController()`). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options every method takes. */
export interface RequestOptions {
  /**
   * Aborts the call or stream: the connection is dropped and the promise
   * rejects with the signal's reason (an `AbortError`), as `fetch` does.
   */
  signal?: AbortSignalLike;
}

/** `new FlowEngine(options)`. Durations are milliseconds. */
export interface ClientOptions {
  /** Default: `FLOWENGINE_API_KEY`, then `~/.flowengine/config.json`. */
  apiKey?: string;
  /** Default: `FLOWENGINE_BASE_URL`, then the config file, then `https://flowengine.cloud`. May carry a path prefix. */
  baseURL?: string;
  /**
   * Bounds every wait for the next byte (connecting, the response head, each
   * gap inside a body or stream), in ms. Default 60 000. A long, lively chat
   * or log tail runs as long as it likes.
   */
  timeout?: number;
  /** Total limit of an ordinary (non-stream) request, in ms. Default 600 000. */
  totalTimeout?: number;
  /** Retries after the first attempt (GET/PUT/PATCH/DELETE on 408/429/5xx and connection errors; POST on 429 and failures to connect). Default 2, at most 10. */
  maxRetries?: number;
  /** A config file to read instead of `~/.flowengine/config.json`. */
  configFile?: string;
}

/**
 * An async iterable over a stream: `for await (const item of stream)`.
 * `break` closes the connection, as do `close()` and an aborted `signal`.
 */
export interface EventStream<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(value?: unknown): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): EventStream<T>;
  /** Closes the stream and its connection (idempotent). */
  close(): void;
}

/** One chunk of a chat reply. */
export interface ChatChunk {
  /** The delta of the reply's text (may be empty). */
  content: string;
  /** `stop` on the last content chunk. */
  finishReason: string | null;
  /** The conversation, when the service says which. */
  conversationId: string | null;
  id: string | null;
  model: string | null;
  /** The chunk as the service sent it. */
  raw: unknown;
}

/** A whole chat reply (`chat.send`, `ChatStream.finalReply`). */
export interface ChatReply {
  content: string;
  finishReason: string | null;
  conversationId: string | null;
  /** How many chunks it came in. */
  chunks: number;
}

/** A streamed chat reply: its chunks, and what was seen so far. */
export interface ChatStream extends EventStream<ChatChunk> {
  [Symbol.asyncIterator](): ChatStream;
  /** The reply's text so far. */
  readonly content: string;
  readonly finishReason: string | null;
  readonly conversationId: string | null;
  readonly chunks: number;
  /** Reads the rest of the stream and returns the whole reply. */
  finalReply(): Promise<ChatReply>;
}

/** A function's log lines as they are written; resumes after a dropped connection. */
export interface LogStream extends EventStream<string> {
  [Symbol.asyncIterator](): LogStream;
}

/**
 * A paginated list: `await` it for the first page, or `for await` over it
 * for every item, fetched page after page. Nothing is requested until then.
 */
export interface PagePromise<Page, Item> extends PromiseLike<Page>, AsyncIterable<Item> {
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page | R>;
  finally(onFinally?: (() => void) | null): Promise<Page>;
}

/** Where a deploy stands (`deployFolder`'s `onProgress`). */
export type DeployProgress =
  | { phase: 'packed'; files: number; bytes: number; compressedBytes: number }
  | { phase: 'uploading'; sent: number; total: number }
  | { phase: 'triggered'; deploymentId: string }
  | { phase: 'building'; status: string }
  | { phase: 'ready'; url: string | null };

export interface DeployFolderOptions extends RequestOptions {
  /** Wait until the function is `ready` (a failed build rejects with DeployFailedError). Default true. */
  wait?: boolean;
  /** Called with each step; a throw stops the deploy and rejects with that error. */
  onProgress?: (progress: DeployProgress) => void;
  /** How often to poll while waiting, in ms. Default 1000. */
  pollInterval?: number;
  /** How long to wait for the build at most, in ms. Default 900 000. */
  waitTimeout?: number;
  /** More gitignore-style patterns to leave out (on top of `.gitignore` and `.feignore`). */
  ignore?: string[];
}

/** What `deployFolder` resolves with. */
export interface DeployOutcome {
  functionId: string;
  deploymentId: string;
  /** `building`/`creating` without `wait`; `ready` after a wait. */
  status: string;
  url: string | null;
  /** Files and bytes uploaded (before compression), and the tarball's size. */
  files: number;
  bytes: number;
  compressedBytes: number;
}

export interface PackFolderOptions extends RequestOptions {
  /** Only check the folder and list what would be packed. */
  dryRun?: boolean;
  /** Write the .tar.gz to this file instead of returning it as `tarball`. */
  output?: string;
  /** More gitignore-style patterns to leave out. */
  ignore?: string[];
}

export interface PackedFile {
  /** Relative, `/`-separated. */
  path: string;
  size: number;
  executable: boolean;
  /** Stored from a symlink (inside the folder) to a regular file. */
  symlink: boolean;
}

/** What `packFolder` resolves with. */
export interface PackResult {
  /** The folder, canonicalised. */
  root: string;
  fileCount: number;
  /** Sum of the file sizes, uncompressed. */
  totalBytes: number;
  /** Size of the archive (null for a dry run). */
  compressedBytes: number | null;
  files: PackedFile[];
  /** Entries left out without an ignore rule (symlinks to directories, special files). */
  skipped: Array<{ path: string; reason: { kind: string; target?: string } }>;
  /** The .tar.gz, unless `dryRun` or `output` was given. */
  tarball?: Uint8Array;
}
