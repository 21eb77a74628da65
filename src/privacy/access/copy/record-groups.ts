import { RECORD_CATEGORY_KEY, RECORD_KIND_KEY, SourceRecord } from '../access-types';

/**
 * Most columns a table gets; keys seen after that are shown together in one last "other details"
 * cell. A source answering with a new key per record cannot grow the report's header (or this
 * collector) without bound.
 */
export const MAX_TABLE_COLUMNS = 40;

/**
 * Most kinds (`@kind`) a category is split into, one table each; a category with more gets one
 * table with the kind as a column. Each table reads its source's pages once more, so this bounds
 * the passes too.
 */
export const MAX_KINDS_PER_CATEGORY = 8;

/** Keys the copy uses to group records, never shown as columns of a table. */
const GROUPING_KEYS: ReadonlySet<string> = new Set([RECORD_CATEGORY_KEY, RECORD_KIND_KEY]);

/** The records of one table: a category, and one kind of it (or every kind: null). */
export interface RecordGroup {
  readonly category: string;
  /** The kind the table shows (null: records without one), unless `allKinds`. */
  readonly kind: string | null;
  /** True when the table shows every record of the category, whatever its kind. */
  readonly allKinds: boolean;
  /** Keys in the order first seen (`@kind` first when the category has too many kinds to split). */
  readonly columns: readonly string[];
  /** True when some records have keys beyond `columns`: the table gets an "other details" cell. */
  readonly overflows: boolean;
}

class Columns {
  readonly order: string[] = [];
  private readonly known = new Set<string>();
  overflows = false;

  add(key: string): void {
    if (this.known.has(key)) return;
    if (this.order.length < MAX_TABLE_COLUMNS) {
      this.order.push(key);
      this.known.add(key);
    } else {
      this.overflows = true;
    }
  }
}

interface CategorySeen {
  readonly all: Columns;
  /** Kind → its columns, while there are at most MAX_KINDS_PER_CATEGORY kinds; null once there are more. */
  kinds: Map<string | null, Columns> | null;
}

/** The category of a stored record (`@category`), or "" for one without (none should reach the copy). */
export function recordCategory(record: SourceRecord): string {
  const category = record[RECORD_CATEGORY_KEY];
  return typeof category === 'string' ? category : '';
}

/** The kind of a record (`@kind`), or null. */
export function recordKind(record: SourceRecord): string | null {
  const kind = record[RECORD_KIND_KEY];
  return typeof kind === 'string' && kind !== '' ? kind : null;
}

/** True when `record` belongs in the table of `group`. */
export function inGroup(record: SourceRecord, group: Pick<RecordGroup, 'category' | 'kind' | 'allKinds'>): boolean {
  return recordCategory(record) === group.category && (group.allKinds || recordKind(record) === group.kind);
}

/** The keys a table shows of a record: all but the grouping ones. */
export function shownKeys(record: SourceRecord): string[] {
  return Object.keys(record).filter((key) => !GROUPING_KEYS.has(key));
}

/**
 * The tables of each source, gathered while data.json streams the records (before report.html is
 * written): per category, per kind when a category mixes a few kinds, the keys in the order first
 * seen. The report then knows its headers without holding any record.
 */
export class RecordGroups {
  private readonly bySource = new Map<string, Map<string, CategorySeen>>();

  /** Notes one record of `sourceId`. */
  observe(sourceId: string, record: SourceRecord): void {
    let categories = this.bySource.get(sourceId);
    if (!categories) {
      categories = new Map();
      this.bySource.set(sourceId, categories);
    }
    const category = recordCategory(record);
    let seen = categories.get(category);
    if (!seen) {
      seen = { all: new Columns(), kinds: new Map() };
      categories.set(category, seen);
    }
    const kind = recordKind(record);
    let kindColumns: Columns | undefined;
    if (seen.kinds) {
      kindColumns = seen.kinds.get(kind);
      if (!kindColumns) {
        if (seen.kinds.size >= MAX_KINDS_PER_CATEGORY) {
          seen.kinds = null;
        } else {
          kindColumns = new Columns();
          seen.kinds.set(kind, kindColumns);
        }
      }
    }
    for (const key of shownKeys(record)) {
      seen.all.add(key);
      kindColumns?.add(key);
    }
  }

  /**
   * The tables of `sourceId`: categories in `categoryOrder` (the source's configuration), then any
   * other seen; kinds in the order first seen. Empty when the source had no record.
   */
  groupsOf(sourceId: string, categoryOrder: readonly string[]): RecordGroup[] {
    const categories = this.bySource.get(sourceId);
    if (!categories) return [];
    const order = [...categoryOrder.filter((id) => categories.has(id)), ...[...categories.keys()].filter((id) => !categoryOrder.includes(id))];
    return order.flatMap((category): RecordGroup[] => {
      const seen = categories.get(category)!;
      const kinds = seen.kinds;
      // One table when the category is not split in kinds (only records without one, or too many kinds).
      if (kinds === null) return [{ category, kind: null, allKinds: true, columns: [RECORD_KIND_KEY, ...seen.all.order], overflows: seen.all.overflows }];
      if (kinds.size === 1) return [{ category, kind: null, allKinds: true, columns: seen.all.order, overflows: seen.all.overflows }];
      return [...kinds].map(([kind, columns]) => ({ category, kind, allKinds: false, columns: columns.order, overflows: columns.overflows }));
    });
  }
}
