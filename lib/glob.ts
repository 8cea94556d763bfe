/** Model-name globs, as config keys and `models:` lists use them. */

/** `*` any run of characters, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

/** True when `name` matches one of `globs`; an absent list matches everything. */
export function matchesAny(globs: RegExp[] | undefined, name: string): boolean {
  return globs === undefined || globs.some((g) => g.test(name));
}
