// What the plan shows while it works. On a terminal: one line rewritten in place, gone when the
// plan is done. Elsewhere (CI, a pipe): one line per finished phase with its duration, so a slow
// pipeline shows where the time went.

export interface Progress {
  /** A new phase starts (the previous one, if any, is finished). */
  phase(name: string): void;
  /** The last phase is finished; the terminal line is cleared. */
  done(): void;
}

export function progressFor(stream: NodeJS.WriteStream = process.stdout): Progress {
  return stream.isTTY ? terminalProgress(stream) : phaseLog(stream);
}

function terminalProgress(stream: NodeJS.WriteStream): Progress {
  return {
    phase: (name) => stream.write(`\r\x1b[2K… ${name}`),
    done: () => stream.write("\r\x1b[2K"),
  };
}

function phaseLog(stream: NodeJS.WritableStream): Progress {
  let current: { name: string; started: number } | undefined;
  const finish = () => {
    if (current)
      stream.write(`plan: ${current.name} (${Math.round(performance.now() - current.started)} ms)\n`);
    current = undefined;
  };
  return {
    phase: (name) => {
      finish();
      current = { name, started: performance.now() };
    },
    done: finish,
  };
}
