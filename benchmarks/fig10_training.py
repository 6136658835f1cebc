"""Figure 10: the training planner: the fastest layout that fits, for 16,384 chips.

Llama-3.1-405B on 16,384 H100s (issue 16's target: a plan in at most 10 ms):

* the core planner with the model's and chip's numbers in hand (``core.training.plan``:
  every valid TP x PP x VP x CP x EP x micro-batch x ZeRO x recompute layout, memory and
  step time as numpy arrays, the fastest that fits);
* the same through ``xlcost.training.plan`` (catalog lookups included);
* baseline, same run: one stated layout evaluated alone (the same core code on scalars),
  so the ratio says how many single-layout evaluations a whole plan costs.

Prints; asserts nothing.
"""

from harness import Row, median_of

MODEL, HARDWARE, CHIPS, SEQ, BATCH = "Llama-3.1-405B", "H100", 16384, 8192, 2048


def run(quick=False):
    from xlcost import training
    from xlcost.core import training as core

    repeat = 3 if quick else 7
    m, h = training.model_arguments(MODEL), training.hardware_arguments(HARDWARE, "bf16")
    layouts = core.candidates(CHIPS, SEQ, BATCH, m, h["scale_up_domain"])
    one = {k: v[:1] for k, v in layouts.items()}
    t_plan = median_of(lambda: core.plan(CHIPS, SEQ, BATCH, m, h), repeat)
    t_named = median_of(lambda: training.plan(MODEL, HARDWARE, CHIPS, seq_len=SEQ, global_batch=BATCH), repeat)
    t_one = median_of(lambda: core.evaluate(CHIPS, SEQ, BATCH, one, m, h), repeat)
    plan = core.plan(CHIPS, SEQ, BATCH, m, h)
    note = f"{len(layouts['tp']):,} candidate layouts; chose {plan['text']}"
    return [
        Row("10", f"plan {MODEL} on {CHIPS:,} {HARDWARE} (core)", t_plan, "one layout evaluated alone", t_one,
            ratio=t_plan / t_one, target="<= 10 ms", met=t_plan <= 0.010, note=note),
        Row("10", "the same by name (catalog lookups)", t_named, "one layout evaluated alone", t_one,
            ratio=t_named / t_one, target="<= 10 ms", met=t_named <= 0.010),
    ]
