// What the plan shows while it works. On a terminal: one line rewritten in place, gone when the
// plan is done. Elsewhere (CI, a pipe): one line per finished phase with its duration, so a slow
// pipeline shows where the time went. The lines of the phases that read the input are held until
// the input is known to be valid: invalid input prints its error and nothing else.

export interface Progress {
  /** A new phase starts (the previous one, if any, is finished). */
  phase(name: string): void;
  /** The input was valid: the held lines are printed, later ones as their phase ends. */
  release(): void;
  /** The last phase is finished; the terminal line is cleared. */
  done(): void;
}

export function progressFor(stream: NodeJS.WriteStream = process.stdout): Progress {
  return stream.isTTY ? terminalProgress(stream) : phaseLog(stream);
}

function terminalProgress(stream: NodeJS.WriteStream): Progress {
  return {
    phase: (name) => stream.write(`\r\x1b[2K… ${name}`),
    release: () => {},
    done: () => stream.write("\r\x1b[2K"),
  };
}

function phaseLog(stream: NodeJS.WritableStream): Progress {
  let current: { name: string; started: number } | undefined;
  let held: string[] | undefined = [];
  const write = (line: string) => (held ? held.push(line) : stream.write(line));
  const finish = () => {
    if (current) write(`plan: ${current.name} (${Math.round(performance.now() - current.started)} ms)\n`);
    current = undefined;
  };
  return {
    phase: (name) => {
      finish();
      current = { name, started: performance.now() };
    },
    release: () => {
      finish();
      if (held?.length) stream.write(held.join(""));
      held = undefined;
    },
    done: () => {
      finish();
      held = [];
    },
  };
}
