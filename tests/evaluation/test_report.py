"""The report's plots and report.md."""

from matplotlib.backends.backend_agg import FigureCanvasAgg

from tfsenti import compute_metrics
from tfsenti.evaluation.plots import plot_confusion_matrix, plot_training_curves
from tfsenti.evaluation.report import write_report


def test_confusion_matrix_bar_has_whole_counts_and_clears_the_title(tmp_path):
    fig = plot_confusion_matrix([[3, 1, 0], [0, 2, 1], [1, 0, 4]], ["neg", "neutral", "pos"],
                                tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 0
    matrix_ax, bar_ax = fig.axes
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ticks = [label.get_text() for label in bar_ax.get_yticklabels()]
    assert ticks == ["0", "1", "2", "3", "4"]
    title = matrix_ax.title.get_window_extent(renderer)
    assert not title.overlaps(bar_ax.get_window_extent(renderer))
    assert [t.get_text() for t in matrix_ax.texts] == ["3", "1", "0", "0", "2", "1", "1", "0", "4"]


def test_report_without_mistakes_says_so(tmp_path):
    metrics = compute_metrics([0, 1], [[0.9, 0.1], [0.2, 0.8]], ["neg", "pos"])
    path = write_report(tmp_path, "Demo", metrics, [], "test.tsv", has_curves=False)
    report = path.read_text()
    assert "Accuracy **1.0000**" in report and "most confident mistakes" not in report
    assert "## Mistakes\n\nNone: every example was classified correctly." in report


def test_training_curves_show_the_last_weights_beside_the_weight_average(tmp_path):
    history = {"loss": [0.6, 0.4], "val_loss": [0.5, 0.45], "last_val_loss": [0.52, 0.47],
               "accuracy": [0.7, 0.8], "val_accuracy": [0.75, 0.8],
               "last_val_accuracy": [0.74, 0.78], "best_epoch": 2}
    fig = plot_training_curves(history, tmp_path / "curves.png")
    assert [line.get_label() for line in fig.axes[1].get_lines()] == [
        "Training accuracy", "Validation accuracy (weight average)",
        "Validation accuracy (last weights)", "kept epoch"]
    assert list(fig.axes[1].get_lines()[2].get_ydata()) == [0.74, 0.78]
    assert (tmp_path / "curves.png").stat().st_size > 0


def test_names_the_font_cannot_draw_become_question_marks_without_warnings(tmp_path):
    import warnings

    from tfsenti.evaluation.plots import plot_errors

    metrics = compute_metrics([0, 1, 1], [[.9, .1], [.2, .8], [.6, .4]], ["正面", "négatif"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph it cannot draw
        plot_errors(metrics, tmp_path, "影评")
        fig = plot_confusion_matrix(metrics["confusion_matrix"], metrics["class_names"])
        FigureCanvasAgg(fig).draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["??", "négatif"]
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 0
