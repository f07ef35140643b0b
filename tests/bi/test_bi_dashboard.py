

def test_dashboard_figure_with_only_expenses_draws_what_the_data_fills() -> None:
    """A client who sends expenses only: no revenue or backlog lines, and no crash."""
    import pandas as pd

    from workbench.bi.dashboard import dashboard_figure

    table = pd.DataFrame({"period": ["2010-01", "2010-02"] * 2, "segment": ["All"] * 2 + ["X"] * 2,
                          "expenses": [10.0, 12.0, 4.0, 5.0], "invoiced_revenue": [0.0] * 4})
    fig = dashboard_figure(table, ["invoiced_revenue", "expenses"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 1 and "xpense" in titles[0]
    empty = dashboard_figure(table, ["invoiced_revenue"])
    assert not [ax for ax in empty.axes if ax.get_visible() and ax.lines]
