"""The statistics page (统计分析, ``/stats``): the measures of engine/measures for a chosen period,
broken down by a dimension, over time and ranked, every figure linked to the case list behind it.

- ``choice``: what the request asks for (period, breakdown, trend bucket, filters), read with the
  module's own parsers;
- ``figures``: the module's results as cells, rows and chart data, each number with its case list;
- ``page``: the blueprint (supervisors, leads for their department, administrators).
"""
