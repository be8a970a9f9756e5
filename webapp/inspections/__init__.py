"""The random-inspection pages (engine/inspections): the supervision section's annual plans, the
seed and the draw, each plan's inspections, and the 检查通知书 of an inspection."""
