"""The learner's review history beyond one quiz session: reviews imported from Anki, FSRS
parameters fitted to them, and the saved settings the scheduler reads.

    ankifile   reads what Anki writes (.colpkg, .apkg, collection.anki2) into plain data
    importer   matches Anki's cards to quizgen's and merges their reviews into the store
    metrics    how well a memory model predicted recall: log loss, RMSE(bins), calibration
    optimize   fits FSRS to the history and keeps the fit only when it predicts better
    config     the history's saved settings (desired retention, FSRS parameters)
"""
