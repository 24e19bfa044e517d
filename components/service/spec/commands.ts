import { z } from "zod";

// `framework` and `commands` of a service spec: the preset of the commands its processes run,
// and the commands that replace the preset's (components/service/commands.ts applies them).

/** The frameworks with a preset. */
export const frameworks = ["symfony", "laravel"] as const;
export type Framework = (typeof frameworks)[number];

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

/** What a spec may set under `commands`; unset fields come from the framework's preset. */
export type ServiceCommands = z.infer<typeof serviceCommandsSchema>;
