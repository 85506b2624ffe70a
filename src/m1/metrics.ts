/** The committed M1 evaluation figures (models/m1), as /health and /metrics report them. */
import metrics from "../../models/m1/metrics.json" with { type: "json" };
import urgencyMetrics from "../../models/m1/urgency-metrics.json" with { type: "json" };

export const m1Metrics = { classifier: metrics, urgency: urgencyMetrics } as const;
