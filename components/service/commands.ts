// The commands a service's processes run, chosen by the service: a framework preset, and any of
// its commands replaced by the catalog entry. Every process is `<console> <subcommand...>` except
// the web server, which is the image's own entrypoint (FrankenPHP).

/** The frameworks with a preset. */
export const frameworks = ["symfony", "laravel"] as const;
export type Framework = (typeof frameworks)[number];

/**
 * A consumer command template, after the console entry point. Placeholders: a token that is
 * exactly `{queues}` becomes one argument per queue (Messenger's form); `{queues}` inside a token
 * becomes the queues joined by commas (`--queue={queues}`, Laravel's form); `{timeLimit}` becomes
 * the consumer's time limit in seconds.
 */
export type ConsumeTemplate = string[];

/** What a catalog entry may set under `commands`; unset fields come from the framework's preset. */
export interface ServiceCommands {
  /**
   * The console entry point every non-web process starts with.
   * @default ["php", "bin/console"] (symfony), ["php", "artisan"] (laravel)
   */
  console?: string[];
  /**
   * Console commands the release Job runs, in order, before the new version rolls out; each must
   * succeed. An empty list means no release Job.
   * @default [["doctrine:migrations:migrate", "--no-interaction", "--all-or-nothing"]] (symfony), [["migrate", "--force"]] (laravel)
   */
  release?: string[][];
  /**
   * The message consumer command template (see ConsumeTemplate).
   * @default ["messenger:consume", "{queues}", "--time-limit={timeLimit}", "--no-interaction"] (symfony), ["queue:work", "--queue={queues}", "--max-time={timeLimit}", "--no-interaction"] (laravel)
   */
  consume?: ConsumeTemplate;
  /**
   * A console command the platform runs every minute as a CronJob named `<service>-scheduler`
   * (Laravel's scheduler); `[]` for none. Symfony Scheduler needs none: its `scheduler_<name>`
   * transports are consumed by a consumer like any queue.
   * @default [] (symfony), ["schedule:run"] (laravel)
   */
  schedule?: string[];
}

export type ResolvedCommands = Required<ServiceCommands>;

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
  return { ...COMMAND_PRESETS[framework ?? DEFAULT_FRAMEWORK], ...commands };
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
