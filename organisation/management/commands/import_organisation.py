from core.importing import ImportCommand
from organisation import importing


class Command(ImportCommand):
    help = (
        "Import the organisation (units and chefs) from a CSV or XLSX file: the plan row "
        "by row, then (without --dry-run) the import after a yes. The columns: README, or "
        "the template at /organisation/import/mall.csv."
    )
    importer = importing
    user_help = "who the people's history names (a user name)"
