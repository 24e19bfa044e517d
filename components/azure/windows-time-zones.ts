// Azure's alert processing rules take Windows time zone names, the stack config IANA names. The
// table maps the zones a team is likely to work in (CLDR's windowsZones mapping); a stack whose
// `monitoring.notifications.timeZone` is not here is refused on the Azure profile (exit 2) rather
// than silenced at the wrong hours. Add a zone by its CLDR "001" (or territory) Windows name.

export const WINDOWS_TIME_ZONES: Readonly<Record<string, string>> = {
  UTC: "UTC",
  "Etc/UTC": "UTC",
  "Europe/London": "GMT Standard Time",
  "Europe/Dublin": "GMT Standard Time",
  "Europe/Lisbon": "GMT Standard Time",
  "Europe/Paris": "Romance Standard Time",
  "Europe/Brussels": "Romance Standard Time",
  "Europe/Madrid": "Romance Standard Time",
  "Europe/Copenhagen": "Romance Standard Time",
  "Europe/Berlin": "W. Europe Standard Time",
  "Europe/Amsterdam": "W. Europe Standard Time",
  "Europe/Luxembourg": "W. Europe Standard Time",
  "Europe/Rome": "W. Europe Standard Time",
  "Europe/Vienna": "W. Europe Standard Time",
  "Europe/Zurich": "W. Europe Standard Time",
  "Europe/Stockholm": "W. Europe Standard Time",
  "Europe/Oslo": "W. Europe Standard Time",
  "Europe/Warsaw": "Central European Standard Time",
  "Europe/Prague": "Central Europe Standard Time",
  "Europe/Budapest": "Central Europe Standard Time",
  "Europe/Helsinki": "FLE Standard Time",
  "Europe/Kyiv": "FLE Standard Time",
  "Europe/Kiev": "FLE Standard Time",
  "Europe/Athens": "GTB Standard Time",
  "Europe/Bucharest": "GTB Standard Time",
  "Europe/Istanbul": "Turkey Standard Time",
  "America/New_York": "Eastern Standard Time",
  "America/Toronto": "Eastern Standard Time",
  "America/Chicago": "Central Standard Time",
  "America/Denver": "Mountain Standard Time",
  "America/Phoenix": "US Mountain Standard Time",
  "America/Los_Angeles": "Pacific Standard Time",
  "America/Sao_Paulo": "E. South America Standard Time",
  "Africa/Johannesburg": "South Africa Standard Time",
  "Asia/Dubai": "Arabian Standard Time",
  "Asia/Kolkata": "India Standard Time",
  "Asia/Calcutta": "India Standard Time",
  "Asia/Singapore": "Singapore Standard Time",
  "Asia/Shanghai": "China Standard Time",
  "Asia/Hong_Kong": "China Standard Time",
  "Asia/Tokyo": "Tokyo Standard Time",
  "Australia/Sydney": "AUS Eastern Standard Time",
  "Pacific/Auckland": "New Zealand Standard Time",
};

/** The Windows name of an IANA zone, or undefined when the table does not map it. */
export function windowsTimeZone(iana: string): string | undefined {
  return Object.hasOwn(WINDOWS_TIME_ZONES, iana) ? WINDOWS_TIME_ZONES[iana] : undefined;
}
