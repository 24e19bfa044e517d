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
