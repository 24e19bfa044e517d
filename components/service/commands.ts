import { z } from "zod";

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

const argv = z.array(z.string().min(1)).min(1);

/** `framework` of a catalog entry. */
export const frameworkSchema = z.enum(frameworks).meta({
  description:
    "The preset of console entry point, release, consumer and scheduler commands. Default symfony.",
  examples: ["laravel"],
  default: "symfony",
});

/** `commands` of a catalog entry: each field replaces the preset's. */
export const serviceCommandsSchema = z
  .strictObject({
    console: argv.optional().meta({
      description: "The console entry point of every non-web process.",
      examples: [["php", "artisan"]],
    }),
    release: z
      .array(argv)
      .optional()
      .meta({
        description:
          "Console commands the release Job runs in order before the rollout; [] for no release Job.",
        examples: [[["doctrine:migrations:migrate", "--no-interaction"], ["app:cache:warm"]]],
      }),
    consume: argv.optional().meta({
      description:
        "Consumer command template: a {queues} token is one argument per queue, {queues} inside a token the queues joined by commas, {timeLimit} the time limit in seconds.",
      examples: [["queue:work", "--queue={queues}", "--max-time={timeLimit}"]],
    }),
    schedule: z
      .array(z.string().min(1))
      .optional()
      .meta({
        description: "Console command run every minute by the CronJob <service>-scheduler; [] for none.",
        examples: [["schedule:run"]],
      }),
  })
  .meta({
    description: "Commands that replace the framework preset's, field by field.",
    examples: [
      {
        release: [
          ["migrate", "--force"],
          ["db:seed", "--force"],
        ],
      },
    ],
  });

/** What a catalog entry may set under `commands`; unset fields come from the framework's preset. */
export type ServiceCommands = z.infer<typeof serviceCommandsSchema>;

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
