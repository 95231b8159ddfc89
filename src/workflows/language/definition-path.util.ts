/** A step into the parsed document: a mapping key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[\w-]+$/;

/** 'tasks.t1.on-success[1]'; keys that are not plain words are quoted: 'publish["a.b"]'. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
