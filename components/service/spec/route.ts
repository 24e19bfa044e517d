import { z } from "zod";

// A public route: an HTTPRoute on the platform's gateway.

export const routeSpecSchema = z
  .strictObject({
    pathPrefix: z.string().meta({
      description: "Path prefix on the public hostname; each prefix belongs to one service.",
      examples: ["/api/content"],
    }),
  })
  .meta({ description: "A public route through the gateway.", examples: [{ pathPrefix: "/newsletter" }] });

export type RouteSpec = z.infer<typeof routeSpecSchema>;
