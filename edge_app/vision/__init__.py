"""The stages of the vision pipeline, one module each; edge_app.pipeline chains them.

    config    PipelineConfig, every tunable default with its unit
    boxes     Digit, Number, Blob and the box arithmetic they share
    paper     grey, the paper's brightness under the ink, divided out
    rules     a notebook's ruled and squared lines, taken out
    ink       thresholds and the ink's components
    pieces    pieces joined into digits; specks, frames, rings and the sheet's edge dropped
    lines     lines drawn under numbers and straight lines through digits
    grids     a form's boxes and a table's cells
    shadows   a narrow shadow across the page, a shadow's tips and a table's grain
    segment   crops, batched classification and touching digits cut apart
    grouping  digits into numbers: lines, gaps, dates, brackets, reading order
    scans     small scans, zoomed crops and frame shapes

Names with a leading underscore are shared between these modules and edge_app.pipeline, not offered
beyond them.
"""
