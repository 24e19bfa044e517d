// "Did you mean ...?" for misspelt service names, wherever a name is typed: the catalog's
// dependsOn, the stack's services and only keys, the ephemeral CLI's --services, and the field names
// and enum values of a service spec (case-insensitive: `dependson` is `dependsOn`).

/** The catalog name closest to a misspelt one, when it is close enough to be a typo. */
export function closestName(name: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of names) {
    // The length difference is a lower bound of the distance: a 2 MB typo costs nothing.
    if (Math.abs(name.length - candidate.length) >= bestDistance) continue;
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
