import type { Page } from 'playwright-core';

/** An sRGB colour as the browser computes it: red, green, blue 0–255, alpha 0–1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/** Parses a computed colour (`rgb(…)`, `rgba(…)`: what getComputedStyle answers). */
export function parseColor(css: string): Rgba {
  const match = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?\s*\)$/.exec(css.trim());
  if (!match) throw new Error(`not a computed rgb() colour: ${css}`);
  return { r: Number(match[1]), g: Number(match[2]), b: Number(match[3]), a: match[4] === undefined ? 1 : Number(match[4]) };
}

/** WCAG 2.1's relative luminance. */
function luminance(color: Rgba): number {
  const [r, g, b] = [color.r, color.g, color.b].map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.1's contrast ratio of two opaque colours (1 to 21). */
export function contrastRatio(a: Rgba | string, b: Rgba | string): number {
  const [x, y] = [a, b].map((c) => luminance(typeof c === 'string' ? parseColor(c) : c));
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** A box on the page, CSS px. */
export interface Box {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** How the focused element is marked, from its rendered styles. */
export interface FocusIndicator {
  /** The focused element: `tag#id` or `tag.class`. */
  readonly element: string;
  readonly outlineStyle: string;
  readonly outlineWidth: number;
  readonly outlineOffset: number;
  readonly outlineColor: string;
  /** The first opaque background behind the ring (the element's parent and up: the ring is drawn outside the element). */
  readonly backdrop: string;
  /** The ring's outer edge. */
  readonly ring: Box;
}

/**
 * Page-side: the ring of `target` (a selector; the focused element when empty). The backdrop is
 * looked for from the element's parent up — an outline is drawn outside the element — or from the
 * element itself when the outline is drawn inside its edge (a negative offset).
 */
const READ_RING = `((target) => {
  const el = target ? document.querySelector(target) : document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  let backdrop = 'rgb(255, 255, 255)';
  for (let node = offset < 0 ? el : el.parentElement; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg !== 'transparent' && !/, 0\\)$/.test(bg)) { backdrop = bg; break; }
  }
  const rect = el.getBoundingClientRect();
  const grow = width + offset;
  return {
    element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.className ? '.' + String(el.className).split(' ')[0] : ''),
    outlineStyle: style.outlineStyle,
    outlineWidth: width,
    outlineOffset: offset,
    outlineColor: style.outlineColor,
    backdrop,
    ring: { top: rect.top - grow, right: rect.right + grow, bottom: rect.bottom + grow, left: rect.left - grow },
  };
})`;

/**
 * The ring as rendered on the focused element, or on `selector`'s element (a container that marks
 * focus within it); undefined when nothing (or the page itself) has focus.
 */
export async function focusIndicator(page: Page, selector = ''): Promise<FocusIndicator | undefined> {
  return ((await page.evaluate(`${READ_RING}(${JSON.stringify(selector)})`)) as FocusIndicator | null) ?? undefined;
}

/** Whether two boxes overlap (touching edges do not). */
export function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** The box of the first element matching `selector`. */
export async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = (await page.evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return { top: r.top, right: r.right, bottom: r.bottom, left: r.left }; })()`)) as Box;
  return box;
}
