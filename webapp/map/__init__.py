"""The supervisors' map (挂图督办): the county's boundaries with the open cases at their places."""
