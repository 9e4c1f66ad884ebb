import escapeHtml from 'escape-html';

/** Markup that is already safe: produced by `html` or deliberately marked with `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

/**
 * A template tag that escapes every interpolated value unless it is SafeHtml,
 * so a client's name or an audit reason can never become markup. Arrays are
 * joined; null, undefined and false render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Trusted markup (the stylesheet), passed through unescaped. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(v: Interpolated): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}
