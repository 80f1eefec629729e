const formats = new Map<string, Intl.NumberFormat>();

/// Minor units in their currency, as people read money.
export function money(cents: number, currency: string): string {
  let format = formats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 });
    }
    formats.set(currency, format);
  }
  return format.format(cents / 100);
}

export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function statusText(status: string): string {
  return status.replace(/_/g, " ");
}

/// An order as people name it: its checkout key (the part after the
/// buyer), or the id's end when that is long.
export function orderName(id: string): string {
  const key = id.slice(id.indexOf("-") + 1);
  return key.length <= 40 ? key : `…${id.slice(-12)}`;
}
