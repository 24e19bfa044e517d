import { z } from "zod";

// Config values that become the names of Kubernetes objects (or point at them) follow the API
// server's rules, checked here so a bad name is a config error naming the rule, not a failed
// `pulumi up` halfway through, and so nothing but a name reaches a manifest.

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A namespace name: DNS-1123 label (RFC 1123), at most 63 characters. */
export const namespaceReference = z
  .string()
  .regex(
    LABEL,
    "must be a Kubernetes namespace name (DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit)",
  )
  .max(63, "must be at most 63 characters (a Kubernetes namespace name)");

/** The name of a Secret, GatewayClass or StorageClass: DNS-1123 subdomain, at most 253 characters. */
export const objectName = z
  .string()
  .regex(
    SUBDOMAIN,
    "must be a Kubernetes object name (DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit)",
  )
  .max(253, "must be at most 253 characters (a Kubernetes object name)");

/** Longest DNS name (RFC 1035) and longest label in it. */
export const MAX_DNS_NAME = 253;
export const MAX_DNS_LABEL = 63;

/** Why `host` is not a DNS name a certificate and a resolver accept, or nothing (the pattern is checked apart). */
export function dnsLengthProblem(host: string): string | undefined {
  if (host.length > MAX_DNS_NAME)
    return `is ${host.length} characters long: a DNS name has at most ${MAX_DNS_NAME}`;
  const long = host.split(".").find((label) => label.length > MAX_DNS_LABEL);
  if (long)
    return `has a part of ${long.length} characters (${long.slice(0, 20)}…): each part of a DNS name has at most ${MAX_DNS_LABEL}`;
  return undefined;
}

/** A fully qualified public host name (the gateway's): lower-case labels of at most 63, at most 253 in all. */
export const hostName = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/,
    "must be a fully qualified host name such as platform.example.com",
  )
  .superRefine((host, ctx) => {
    const problem = dnsLengthProblem(host);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
