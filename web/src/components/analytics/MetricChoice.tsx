import { useState } from "react";
import { SelectField } from "../ui";
import { metricLabel } from "./format";

/** The metric a chart draws: the one chosen while the data has it, else the first the data has. */
export function useMetricChoice(metrics: string[], initial: string) {
  const [chosen, setChosen] = useState(initial);
  return { metric: metrics.includes(chosen) ? chosen : (metrics[0] ?? chosen), choose: setChosen };
}

/** A chart's metric picker, shown only when there is more than one to pick from. */
export function MetricSelect(props: {
  id: string;
  metrics: string[];
  value: string;
  onChange: (metric: string) => void;
}) {
  if (props.metrics.length < 2) return null;
  return (
    <SelectField
      label="Metric"
      id={props.id}
      value={props.value}
      onChange={(event) => props.onChange(event.target.value)}
    >
      {props.metrics.map((name) => (
        <option key={name} value={name}>
          {metricLabel(name)}
        </option>
      ))}
    </SelectField>
  );
}
