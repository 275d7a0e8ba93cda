"""Building blocks of the API: scalars, money, ids, enums, errors, the viewer."""
