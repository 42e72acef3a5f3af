"""网格巡查: grid workers walk their grid, record stops, file requests on the spot and sum up the walk."""
