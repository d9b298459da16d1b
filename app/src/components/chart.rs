//! A bar chart of logins and failed logins per hour, drawn as SVG by the component itself.
use crate::types::activity::HourBucket;
use leptos::prelude::*;

const W: f64 = 720.0;
const H: f64 = 160.0;

#[component]
pub fn LoginChart(hours: Vec<HourBucket>) -> impl IntoView {
    let max = hours
        .iter()
        .map(|h| h.logins.max(h.failed))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = W / hours.len().max(1) as f64;
    let bar = (slot / 2.0 - 2.0).max(1.0);
    let total_ok: i64 = hours.iter().map(|h| h.logins).sum();
    let total_failed: i64 = hours.iter().map(|h| h.failed).sum();
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as f64 * slot;
            let ok_h = h.logins as f64 / max * (H - 20.0);
            let bad_h = h.failed as f64 / max * (H - 20.0);
            view! {
                <g>
                    <title>{format!("{}: {} logins, {} failed", h.label, h.logins, h.failed)}</title>
                    <rect x=x + 1.0 y=H - 16.0 - ok_h width=bar height=ok_h class="fill-indigo-500"/>
                    <rect x=x + 1.0 + bar + 1.0 y=H - 16.0 - bad_h width=bar height=bad_h class="fill-red-500"/>
                    {(i % 4 == 0).then(|| view! { <text x=x y=H - 2.0 class="fill-slate-500 text-[10px]">{h.label.clone()}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="space-y-2">
            <svg id="login-chart" viewBox=format!("0 0 {W} {H}") role="img" class="h-40 w-full"
                aria-label=format!("Logins per hour over the last 24 hours: {total_ok} successful, {total_failed} failed")>
                {bars}
            </svg>
            <figcaption class="flex gap-4 text-xs text-slate-500">
                <span><span class="mr-1 inline-block h-2 w-2 bg-indigo-500"></span>{format!("Logins ({total_ok})")}</span>
                <span><span class="mr-1 inline-block h-2 w-2 bg-red-500"></span>{format!("Failed logins ({total_failed})")}</span>
            </figcaption>
        </figure>
    }
}
