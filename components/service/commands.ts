import type { Framework, ServiceCommands } from "./spec";

// The commands a service's processes run, chosen by the service: a framework preset, and any of
// its commands replaced by the catalog entry. Every process is `<console> <subcommand...>` except
// the web server, which is the image's own entrypoint (FrankenPHP).

/**
 * A consumer command template, after the console entry point. Placeholders: a token that is
 * exactly `{queues}` becomes one argument per queue (Messenger's form); `{queues}` inside a token
 * becomes the queues joined by commas (`--queue={queues}`, Laravel's form); `{timeLimit}` becomes
 * the consumer's time limit in seconds.
 */
export type ConsumeTemplate = string[];

/** Every command, after the preset. */
export interface ResolvedCommands {
  console: string[];
  release: string[][];
  consume: ConsumeTemplate;
  schedule: string[];
}

export const COMMAND_PRESETS: Readonly<Record<Framework, ResolvedCommands>> = {
  symfony: {
    console: ["php", "bin/console"],
    release: [["doctrine:migrations:migrate", "--no-interaction", "--all-or-nothing"]],
    consume: ["messenger:consume", "{queues}", "--time-limit={timeLimit}", "--no-interaction"],
    schedule: [],
  },
  laravel: {
    console: ["php", "artisan"],
    release: [["migrate", "--force"]],
    consume: ["queue:work", "--queue={queues}", "--max-time={timeLimit}", "--no-interaction"],
    schedule: ["schedule:run"],
  },
};

/** @default "symfony" */
export const DEFAULT_FRAMEWORK: Framework = "symfony";

export function resolveCommands(
  framework: Framework | undefined,
  commands?: ServiceCommands,
): ResolvedCommands {
  const preset = COMMAND_PRESETS[framework ?? DEFAULT_FRAMEWORK];
  return {
    console: commands?.console ?? preset.console,
    release: commands?.release ?? preset.release,
    consume: commands?.consume ?? preset.consume,
    schedule: commands?.schedule ?? preset.schedule,
  };
}

/** Symfony Scheduler's transports: consumed by Messenger, never declared on the broker. */
export function isSchedulerTransport(queue: string): boolean {
  return /^scheduler_[A-Za-z0-9_]+$/.test(queue);
}

/** The consumer's full command line. */
export function consumeCommand(
  commands: ResolvedCommands,
  queues: readonly string[],
  timeLimitSeconds: number,
): string[] {
  return [
    ...commands.console,
    ...commands.consume.flatMap((token) =>
      token === "{queues}"
        ? [...queues]
        : [
            token
              .replaceAll("{queues}", queues.join(","))
              .replaceAll("{timeLimit}", String(timeLimitSeconds)),
          ],
    ),
  ];
}

/** A console command's full command line. */
export function consoleCommand(commands: ResolvedCommands, command: readonly string[]): string[] {
  return [...commands.console, ...command];
}
