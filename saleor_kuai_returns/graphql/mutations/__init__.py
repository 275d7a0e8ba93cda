"""One mutation per module, each with its own error class (noun first:
``afterSaleRequestApprove``, ``afterSaleReceiptConfirm``)."""
