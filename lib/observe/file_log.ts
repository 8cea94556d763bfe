/**
 * The JSON-lines file log (`log.dir`): `switchyard.jsonl`, rotated by size to
 * `switchyard.1.jsonl` … `switchyard.<keep_files>.jsonl` (1 the newest).
 * Written in batches off the hot path; a directory that cannot be written is
 * reported once and the proxy keeps serving.
 */
import { BufferedWriter } from "./writer.ts";

export interface FileLogOptions {
  dir: string;
  maxBytes: number;
  keepFiles: number;
  /** Masks secrets; applied to each batch, off the hot path. */
  redact: (text: string) => string;
  onError: (message: string) => void;
}

const encoder = new TextEncoder();

export class FileLog {
  readonly path: string;
  readonly #writer: BufferedWriter;
  #file: Deno.FsFile | null = null;
  #size = 0;

  constructor(readonly options: FileLogOptions) {
    this.path = `${options.dir}/switchyard.jsonl`;
    this.#writer = new BufferedWriter(
      // Read at each write: a reload that keeps this file hands it the new secrets to mask.
      (text) => this.#append(this.options.redact(text)),
      (err) =>
        options.onError(
          `file log ${this.path}: ${err.message} (lines are dropped until it works again)`,
        ),
    );
  }

  /** Queues one line (without its newline). */
  write(line: string): void {
    this.#writer.write(line + "\n");
  }

  /** Writes everything queued. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Writes everything queued and closes the file. */
  async close(): Promise<void> {
    await this.#writer.flush();
    this.#file?.close();
    this.#file = null;
  }

  async #open(): Promise<Deno.FsFile> {
    if (this.#file) return this.#file;
    await Deno.mkdir(this.options.dir, { recursive: true });
    const file = await Deno.open(this.path, { create: true, append: true });
    this.#size = (await file.stat()).size;
    this.#file = file;
    return file;
  }

  async #append(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    if (this.#size > 0 && this.#size + bytes.length > this.options.maxBytes) await this.#rotate();
    const file = await this.#open();
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    this.#size += bytes.length;
  }

  /** Shifts `switchyard.N.jsonl` up by one, dropping the oldest, and starts a new file. */
  async #rotate(): Promise<void> {
    this.#file?.close();
    this.#file = null;
    const name = (n: number) => `${this.options.dir}/switchyard.${n}.jsonl`;
    await Deno.remove(name(this.options.keepFiles)).catch(() => {});
    for (let n = this.options.keepFiles - 1; n >= 1; n--) {
      await Deno.rename(name(n), name(n + 1)).catch(() => {});
    }
    await Deno.rename(this.path, name(1)).catch(() => {});
    this.#size = 0;
  }
}
