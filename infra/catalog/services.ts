import type { ServiceSpec } from "./types";

// The platform's services. Adding a service is adding one entry here; `validateCatalog`
// rejects unknown dependencies, duplicates, bad names and cycles before anything is created.
//
// Dependencies follow the "Symfony to the Cloud" series: pilot (the back-office) calls ten
// services; content calls config, conversion, media and shorty.

export const catalog: ServiceSpec[] = [
  {
    name: "authentication",
    description: "Users, OAuth flows and JWT issuance; the one service with server-side sessions.",
    dependsOn: ["config"],
    database: {},
    routes: [{ pathPrefix: "/auth" }],
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 2, max: 6 } },
    php: { memoryLimitMiB: 256 },
    scheduledJobs: [{ name: "purge-tokens", schedule: "17 3 * * *", command: ["app:tokens:purge-expired"] }],
    env: { JWT_TOKEN_TTL: "3600" },
    secrets: [
      {
        name: "APP_SECRET",
        description: "Symfony's kernel secret (CSRF, signed URLs)",
        generate: { length: 64 },
      },
      { name: "JWT_PASSPHRASE", description: "passphrase of the JWT signing key pair baked into the image" },
      {
        name: "OAUTH_GOOGLE_CLIENT_SECRET",
        description: "Google sign-in; the login page hides the button without it",
        optional: true,
      },
    ],
  },
  {
    name: "config",
    description: "Tenant and feature configuration read by most services.",
    dependsOn: [],
    database: {},
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 2, max: 4 } },
  },
  {
    name: "media",
    description: "Uploads, originals and thumbnails (about 12 TB of media).",
    dependsOn: ["config"],
    database: {},
    buckets: [
      { name: "originals", purpose: "Uploaded originals, never modified." },
      { name: "thumbnails", purpose: "Derived thumbnails; a cache that can be rebuilt." },
    ],
    messaging: {
      exchanges: [{ name: "media", type: "topic" }],
      queues: [{ name: "media.thumbnails", bindings: [{ exchange: "media", routingKey: "media.uploaded" }] }],
      consumers: [
        {
          name: "thumbnailer",
          queues: ["media.thumbnails"],
          size: "large",
          replicas: 2,
          stopTimeoutSeconds: 300,
        },
      ],
    },
    routes: [{ pathPrefix: "/media" }],
    readinessPath: "/health/ready",
    web: { size: "large", replicas: { min: 2, max: 8 } },
    php: { memoryLimitMiB: 512, maxExecutionSeconds: 120, uploadMaxMiB: 200 },
  },
  {
    name: "conversion",
    description: "Converts documents and videos into web formats.",
    dependsOn: ["media"],
    database: {},
    buckets: [{ name: "work", purpose: "Scratch space for conversions in flight." }],
    messaging: {
      exchanges: [{ name: "conversion", type: "direct" }],
      queues: [
        { name: "conversion.requests", bindings: [{ exchange: "conversion", routingKey: "request" }] },
      ],
      consumers: [
        {
          name: "converter",
          queues: ["conversion.requests"],
          size: "large",
          replicas: 2,
          stopTimeoutSeconds: 3600,
          timeLimitSeconds: 3600,
        },
      ],
    },
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 1, max: 3 } },
    php: { memoryLimitMiB: 384, maxExecutionSeconds: 60 },
  },
  {
    name: "shorty",
    description: "Short links and their redirects.",
    dependsOn: ["config"],
    database: {},
    routes: [{ pathPrefix: "/s" }],
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 2, max: 6 } },
  },
  {
    name: "content",
    description: "Articles and pages: the heart of the editorial model.",
    dependsOn: ["config", "conversion", "media", "shorty"],
    database: { schemaChanges: "compatible" },
    messaging: {
      exchanges: [{ name: "content", type: "topic" }],
      queues: [{ name: "content.indexing", bindings: [{ exchange: "content", routingKey: "content.#" }] }],
      consumers: [{ name: "indexer", queues: ["content.indexing"], size: "medium" }],
    },
    routes: [{ pathPrefix: "/api/content" }],
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 2, max: 10 } },
  },
  {
    name: "product",
    description: "Product catalogue and pricing.",
    dependsOn: ["config", "media"],
    database: {},
    routes: [{ pathPrefix: "/api/products" }],
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 2, max: 8 } },
  },
  {
    name: "social",
    description: "Publishes content to social networks and collects engagement.",
    dependsOn: ["content", "shorty"],
    database: {},
    messaging: {
      exchanges: [{ name: "social", type: "direct" }],
      queues: [{ name: "social.publish", bindings: [{ exchange: "social", routingKey: "publish" }] }],
      consumers: [
        { name: "publisher", queues: ["social.publish"], size: "small" },
        // Symfony Scheduler: engagement is collected on a schedule, no RabbitMQ queue involved.
        { name: "scheduler", queues: ["scheduler_engagement"], size: "small" },
      ],
    },
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 1, max: 3 } },
  },
  {
    name: "sitemap",
    description: "Builds sitemaps from content and products.",
    dependsOn: ["content", "product"],
    buckets: [{ name: "sitemaps", purpose: "Generated sitemap files served publicly." }],
    scheduledJobs: [
      { name: "generate", schedule: "0 * * * *", command: ["app:sitemap:generate"], deadlineSeconds: 1800 },
    ],
    routes: [{ pathPrefix: "/sitemap" }],
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 1, max: 2 } },
  },
  {
    name: "search",
    description:
      "Full-text search over content and products (the first of the two services the series leaves unnamed).",
    dependsOn: ["content", "product"],
    routes: [{ pathPrefix: "/api/search" }],
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 2, max: 6 } },
  },
  {
    name: "notification",
    description: "E-mail and push notifications (the second unnamed service).",
    dependsOn: ["authentication", "config"],
    database: {},
    messaging: {
      exchanges: [{ name: "notification", type: "topic" }],
      queues: [
        { name: "notification.email", bindings: [{ exchange: "notification", routingKey: "email.*" }] },
        { name: "notification.push", bindings: [{ exchange: "notification", routingKey: "push.*" }] },
      ],
      consumers: [
        { name: "mailer", queues: ["notification.email"], size: "small" },
        { name: "pusher", queues: ["notification.push"], size: "small" },
      ],
    },
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 1, max: 3 } },
  },
  {
    name: "bam",
    description: "Brand asset management: brand kits, logos and approvals.",
    dependsOn: ["authentication", "media"],
    database: {},
    routes: [{ pathPrefix: "/api/brands" }],
    readinessPath: "/health/ready",
    web: { size: "small", replicas: { min: 1, max: 3 } },
  },
  {
    name: "pilot",
    description: "The back-office: every editorial and admin screen, which is why it calls ten services.",
    dependsOn: [
      "authentication",
      "bam",
      "config",
      "content",
      "conversion",
      "media",
      "product",
      "shorty",
      "sitemap",
      "social",
    ],
    database: { schemaChanges: "breaking" },
    routes: [{ pathPrefix: "/pilot" }],
    readinessPath: "/health/ready",
    web: { size: "medium", replicas: { min: 1, max: 4 } },
    php: { memoryLimitMiB: 384, maxExecutionSeconds: 60, uploadMaxMiB: 50 },
  },
  {
    name: "invoicing",
    description: "Invoices and payment reminders: a Laravel application on the same platform.",
    framework: "laravel",
    dependsOn: ["authentication"],
    database: {},
    messaging: {
      exchanges: [{ name: "invoicing", type: "direct" }],
      queues: [
        { name: "invoicing.reminders", bindings: [{ exchange: "invoicing", routingKey: "reminder" }] },
      ],
      consumers: [{ name: "reminders", queues: ["invoicing.reminders"], size: "small" }],
    },
    routes: [{ pathPrefix: "/api/invoices" }],
    secrets: [{ name: "APP_KEY", description: "Laravel's encryption key", generate: { length: 32 } }],
    readinessPath: "/up",
    web: { size: "small", replicas: { min: 1, max: 3 } },
  },
];
