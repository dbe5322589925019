"""Plots of training curves, written atomically as PNG. matplotlib is imported only here."""

from pathlib import Path

from edge_app.fileio import atomic_path


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # no display needed, also on a headless training box
    import matplotlib.pyplot as plt
    return plt


def plot_history(history: dict[str, list[float]], target: Path, title: str = "") -> None:
    """Loss and accuracy per epoch, training and validation, side by side."""
    plt = _pyplot()
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + metric)
            if values:
                epochs = range(1, len(values) + 1)
                ax.plot(epochs, values, style, label=("validation " if prefix else "training ") + metric)
    _save(plt, fig, {loss_ax: "loss", acc_ax: "accuracy"}, title, target)


def plot_comparison(histories: dict[str, dict[str, list[float]]], target: Path, title: str = "") -> None:
    """Validation loss and accuracy per epoch, one line per optimizer."""
    plt = _pyplot()
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for name, history in histories.items():
        for ax, metric in ((loss_ax, "val_loss"), (acc_ax, "val_accuracy")):
            values = history.get(metric) or history.get(metric.removeprefix("val_"), [])
            ax.plot(range(1, len(values) + 1), values, label=name)
    _save(plt, fig, {loss_ax: "validation loss", acc_ax: "validation accuracy"}, title, target)


def _save(plt, fig, y_labels: dict, title: str, target: Path) -> None:
    """Label each axis by epoch, add grid and legend, and write the figure atomically."""
    from matplotlib.ticker import MaxNLocator
    for ax, label in y_labels.items():
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
