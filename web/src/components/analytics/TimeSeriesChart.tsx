import { useId } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount, formatRate } from "./format";

/**
 * Line colours with at least 4.5:1 contrast on white, each line also drawn with its own dash
 * pattern and marker so no meaning rests on colour alone.
 */
const lineStyles = [
  { color: "#4338ca", dash: undefined },
  { color: "#b45309", dash: "6 3" },
  { color: "#047857", dash: "2 3" },
  { color: "#be123c", dash: "10 4 2 4" },
  { color: "#0369a1", dash: "1 5" },
  { color: "#6d28d9", dash: "8 2" },
  { color: "#374151", dash: "4 4" },
];

interface ChartSeries {
  key: string;
  label: string;
}

/**
 * One row per day (or per reading, with `at` labels); a missing or null value is a gap in the
 * line (no figure), never a drop to 0.
 */
export type ChartRow = { day: string } & Record<string, number | null | string>;

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const dayWithYear = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: "medium", timeZone: "UTC" });

/**
 * A daily line chart with a title, a one-sentence description for screen readers and the same
 * figures as a table under "Show as table", resizing with its container.
 */
export function TimeSeriesChart({
  title,
  rows,
  series,
  kind = "count",
  height = 260,
  compact = false,
  xLabel,
}: {
  title: string;
  rows: ChartRow[];
  series: ChartSeries[];
  kind?: "count" | "rate";
  height?: number;
  /** A small chart of one line, whose title already names it: no legend. */
  compact?: boolean;
  /**
   * How a row's `day` reads on the axis, in the tooltip and the table; by default the day, with
   * its year when the rows span two.
   */
  xLabel?: (x: string) => string;
}) {
  const spansYears = rows.length > 0 && rows[0]!.day.slice(0, 4) !== rows.at(-1)!.day.slice(0, 4);
  const label = xLabel ?? (spansYears ? dayWithYear : dayLabel);
  const titleId = useId();
  const descriptionId = useId();
  const format = (value: number) => (kind === "rate" ? formatRate(value) : formatCount(value));
  const valueOf = (row: ChartRow, key: string) => (typeof row[key] === "number" ? (row[key] as number) : null);
  const totals = series.map((line) => {
    const values = rows.map((row) => valueOf(row, line.key)).filter((value): value is number => value !== null);
    return { ...line, days: values.length, peak: values.length ? Math.max(...values) : null };
  });
  const description =
    rows.length === 0
      ? "No days in this range."
      : `${series.length === 1 ? "One line" : `${series.length} lines`} from ${label(rows[0]!.day)} to ${label(rows.at(-1)!.day)}. ` +
        totals
          .map((line) =>
            line.peak === null ? `${line.label}: no figures.` : `${line.label}: highest ${format(line.peak)}.`,
          )
          .join(" ");
  return (
    <figure className="chart" aria-labelledby={titleId} aria-describedby={descriptionId}>
      <figcaption id={titleId} className="chart-title">
        {title}
      </figcaption>
      <p id={descriptionId} className="visually-hidden">
        {description}
      </p>
      {/* Drawn for the eye; screen readers get the description above and the table below. */}
      <div className="chart-canvas" aria-hidden>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#e5e7eb" vertical={false} />
            <XAxis dataKey="day" tickFormatter={label} tick={{ fill: "#4b5563", fontSize: 12 }} minTickGap={24} />
            <YAxis
              tickFormatter={(value: number) => format(value)}
              tick={{ fill: "#4b5563", fontSize: 12 }}
              width={kind === "rate" ? 64 : 56}
              allowDecimals={kind === "rate"}
            />
            <Tooltip
              labelFormatter={(day) => label(String(day))}
              formatter={(value) => (typeof value === "number" ? format(value) : "no figure")}
            />
            {compact ? null : <Legend wrapperStyle={{ fontSize: 13 }} />}
            {series.map((line, index) => {
              const style = lineStyles[index % lineStyles.length]!;
              return (
                <Line
                  key={line.key}
                  type="monotone"
                  dataKey={line.key}
                  name={line.label}
                  stroke={style.color}
                  strokeDasharray={style.dash}
                  strokeWidth={2}
                  dot={rows.length <= 31 ? { r: 3, fill: style.color } : false}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              );
            })}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details className="chart-table">
        <summary>Show as table</summary>
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                {series.map((line) => (
                  <th scope="col" key={line.key}>
                    {line.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.day}>
                  <th scope="row">{label(row.day)}</th>
                  {series.map((line) => {
                    const value = valueOf(row, line.key);
                    return <td key={line.key}>{value === null ? "no figure" : format(value)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
