"""The pollution-source register's pages (engine/enterprises): the list, an enterprise's page with
its history and positive-list periods, the administrators' edit and import, intake's suggestions."""
