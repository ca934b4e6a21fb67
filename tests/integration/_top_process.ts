// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top` run as a process: to completion with piped output (`--once`,
// errors), or live on a real pseudo-terminal (util-linux `script`, or a python3
// `pty` driver).
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const CONFIG = new URL("deno.json", ROOT).pathname;
const TOP = new URL("cli/top.ts", ROOT).pathname;

/** Runs the CLI to completion with piped output. */
export async function runTop(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, TOP, ...args],
    env: { SLABSCOPE_TOKEN: "", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The PTY drivers that exist here, best first (`SLABSCOPE_PTY` picks one). */
function ptyDrivers(): ("script" | "python3")[] {
  const exists = (command: string, args: string[]) => {
    try {
      return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync()
        .success;
    } catch {
      return false;
    }
  };
  const found: ("script" | "python3")[] = [];
  if (exists("script", ["--version"])) found.push("script");
  if (exists("python3", ["-c", "import pty, termios, fcntl"])) found.push("python3");
  const wanted = Deno.env.get("SLABSCOPE_PTY");
  return wanted === "script" || wanted === "python3" ? found.filter((d) => d === wanted) : found;
}

export const DRIVERS = ptyDrivers();

/**
 * A python3 PTY driver: runs argv[3:] on a new pseudo-terminal of
 * argv[1]×argv[2], copies our stdin to it and its output to our stdout, and
 * exits with its exit code.
 */
const PY_DRIVER = `
import fcntl, os, pty, select, struct, sys, termios
cols, rows = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(sys.argv[3], sys.argv[3:])
stdin_open = True
while True:
    r, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A control sequence (CSI): what `screen()` strips to get the text. */
// deno-lint-ignore no-control-regex -- matching escape sequences is the point
const CSI_REGEXP = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A process on a pseudo-terminal, its output collected as text. */
export class PtySession {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #output = "";
  #done: Promise<void>;
  readonly status: Promise<Deno.CommandStatus>;

  /**
   * Runs `shell` (a `sh -c` script) on a columns×rows pseudo-terminal.
   */
  constructor(
    driver: "script" | "python3",
    shell: string,
    size: { columns: number; rows: number },
    env: Record<string, string>,
  ) {
    const { columns, rows } = size;
    const command = driver === "script"
      ? new Deno.Command("script", {
        // util-linux script: -q no banner, -e the child's exit code, -c the command.
        args: ["-q", "-e", "-c", `stty cols ${columns} rows ${rows} && ${shell}`, "/dev/null"],
        env: { ...env, SHELL: "/bin/sh" },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      })
      : new Deno.Command("python3", {
        args: ["-c", PY_DRIVER, String(columns), String(rows), "/bin/sh", "-c", shell],
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      });
    const child = command.spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.status = child.status;
    this.#done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        this.#output += decoder.decode(chunk, { stream: true });
      }
    })();
    child.stderr.cancel();
  }

  get output(): string {
    return this.#output;
  }

  /** Types keys. */
  async type(keys: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(keys));
  }

  /** The latest frame's lines, control sequences removed. */
  screen(): string[] {
    const start = this.#output.lastIndexOf("\x1b[H");
    if (start < 0) return [];
    return this.#output.slice(start + 3).replace(CSI_REGEXP, "").split(/\r*\n/);
  }

  /** Waits until the latest frame satisfies `predicate`. */
  async waitFor(what: string, predicate: (lines: string[]) => boolean, timeout = 15_000) {
    const deadline = performance.now() + timeout;
    while (!predicate(this.screen())) {
      if (performance.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}; last screen:\n${this.screen().join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits for the process to exit and its output to end. */
  async exit(timeout = 10_000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.status,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the process did not exit")), timeout);
      }),
    ]).finally(() => clearTimeout(timer));
    await this.#done;
    return status.code;
  }

  /** Ends everything this session started (idempotent). */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.status;
    await this.#done;
  }
}

/**
 * The shell script run on the PTY: top, then (once it exited) the terminal's
 * modes, so that the test sees the terminal usable again (canonical mode and
 * echo back; Deno also resets the mode when a process exits, so this checks
 * the outcome rather than which of the two did it).
 */
export function topScript(args: string[]): string {
  const top = [Deno.execPath(), "run", "-A", "--config", CONFIG, TOP, ...args].map(shellQuote)
    .join(" ");
  return `${top}; code=$?; printf '\\n@@STTY@@ '; stty -a | tr '\\n' ' '; exit $code`;
}

/** Splits a session's output into top's part and the stty report after it. */
export function afterExit(output: string): { top: string; stty: string } {
  const at = output.lastIndexOf("\r\n@@STTY@@ ");
  assert.ok(at >= 0, "the stty report follows top's output");
  return { top: output.slice(0, at), stty: output.slice(at) };
}
