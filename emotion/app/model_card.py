"""The model card as a person reads it (the page's "About the model"): only figures on faces the model never
trained or was selected on, and what its bars mean, through emotion.label_sets' names."""

from emotion.label_sets import LABEL_SETS, evaluations

MEASURED_ON = {
    f"{evaluation.name}_private_test": f"FER2013 PrivateTest, {evaluation.title}" for _, evaluation in evaluations()
} | {
    "photos_held_out": "real photos (photos-dev: the project's own labelled photos of people; its held-out half, "
    "never trained on), largest face"
}


def bars_mean(served_head: str, adjustment: dict | None = None) -> str:
    """What the served head's probabilities mean, and how train.adjust changed them if it adjusted that head."""
    label_set = LABEL_SETS.get(served_head)
    if label_set is None:
        return ""
    text = f"**What the bars mean.** {label_set.meaning}"
    if adjustment and adjustment.get("head") == served_head and adjustment.get("alpha"):
        text += (
            f" Then each bar was divided by how common its expression is in the training faces, raised to "
            f"the power {adjustment['alpha']:g}, and the bars rescaled to add up to 100% (logit adjustment): "
            "rare expressions such as disgust and fear are named more often than those shares alone would, "
            "so the bars are no longer the shares themselves (the calibration figure below measures the gap)."
        )
    return text


def about_markdown(card: dict, served_head: str, limits: str) -> str:
    """The card as Markdown: name, size, data, what the bars mean, the unbiased figures, calibration, limits."""
    metrics = card.get("metrics", {})
    if not metrics:
        return "No model card was found beside the model, so no measured accuracy can be shown."
    lines = [
        f"**{card.get('name', 'model')}** ({card.get('version', '')}), {card.get('parameters', 0):,} "
        f"parameters, {card.get('input', '')}. {card.get('data', '')}.",
        "",
        bars_mean(served_head, card.get("logit_adjustment")),
        "",
        "| faces the model never trained on | images | accuracy | macro recall |",
        "|---|---|---|---|",
    ]
    for key, name in MEASURED_ON.items():
        if key in metrics:
            figures = metrics[key]
            lines.append(
                f"| {name} | {figures['images']:,} | {figures['accuracy']:.1%} | {figures['macro_recall']:.1%} |"
            )
    if "ferplus_vote_kl_private_test" in card:
        lines += [
            "",
            f"Mean KL divergence between the bars and the FER+ vote shares on PrivateTest: "
            f"{card['ferplus_vote_kl_private_test']:.3f} nats (0 would match the annotators exactly).",
        ]
    served = card.get("served")
    if served:
        weights = "int8 weights" if served.get("quantisation") in ("dynamic", "full") else "float32 weights"
        mirror = ", each face averaged with its mirror image" if "mirror image" in served.get("views", []) else ""
        lines += ["", f"Served from `{served['file']}` on {served['runtime']}: {weights}{mirror}."]
    lines += ["", f"Limits: {limits}"]
    return "\n".join(lines)
